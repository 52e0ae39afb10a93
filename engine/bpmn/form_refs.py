"""References between JSON Schema forms: resolved among the version's own forms, never fetched.

A form may refer within itself (`#/$defs/x`, anchors) and to another form file uploaded
with the same diagram (`"hkd-common.json#/$defs/address"`). Each form is known by its file
name (its `$id`, if any, must be that name); nothing else can be retrieved. So neither a
deployment nor a task completion reads the network or the disk because of a `$ref`,
`$dynamicRef`, `$recursiveRef`, `$id` or `$schema`. At deploy every reference is resolved
once; one that does not resolve is a problem naming the form file and the JSON pointer of
the keyword.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import referencing.jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchAnchor, PointerToNowhere, Unresolvable
from referencing.jsonschema import UnknownDialect

from engine.bpmn.problems import Problems

Schema = dict[str, Any]
REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
# Keywords applying their subschemas to the same data: a loop through them and references
# never ends (jsonschema recurses until Python's limit).
IN_PLACE = {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"}


def resource_of(schema: Schema) -> Resource[Any]:
    """A form read in its own dialect (2020-12 when it names none, as jsonschema does)."""
    return Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT202012)


def registry_of(forms: Mapping[str, Schema]) -> Registry[Any]:
    """The version's forms under their file names, crawled once (ids and anchors known).

    A `Registry()` retrieves nothing: its default retrieve raises NoSuchResource at once,
    so a reference to anything else fails without any I/O. Raises ValueError for an
    unusable `$id` inside a form.
    """
    empty: Registry[Any] = Registry()
    return empty.with_resources((name, resource_of(s)) for name, s in forms.items()).crawl()


class _Refused(Exception):
    """Why a reference names nothing this deployment holds (never any fetched content)."""


def check_references(names: list[str], uploaded: Mapping[str, bytes],
                     parse: Callable[[str, bytes], Schema | None],
                     problems: Problems) -> dict[str, Schema]:
    """The forms `names` need: those named plus every uploaded form they refer to, however
    indirectly, each parsed by `parse` (which records what is wrong with a file).

    Records a problem for every reference that does not resolve among them, every `$schema`
    naming an unknown dialect and every form `$id` other than the form's file name.
    """
    check = _Check(uploaded, parse, problems)
    for name in names:
        check.form(name)
    check.run()
    check.loops()
    forms = {n: s for n in check.queued if (s := check.parsed.get(n)) is not None}
    if forms and not problems:
        try:
            registry = registry_of(forms)
        except ValueError as exc:
            problems.add(next(iter(forms)), f"a form's $id cannot be used: {exc}")
            return forms
        for name, schema in forms.items():
            if registry.contents(name) is not schema:
                problems.add(name, "a subschema's $id in another form claims this file name")
    return forms


class _Check:
    """One deployment's forms, walked subschema by subschema as jsonschema would descend,
    resolving every reference against a registry that retrieves only the uploaded forms
    (parsing each once, on first use) and refuses anything else."""

    def __init__(self, uploaded: Mapping[str, bytes],
                 parse: Callable[[str, bytes], Schema | None], problems: Problems) -> None:
        self.uploaded = uploaded
        self.parse = parse
        self.problems = problems
        self.parsed: dict[str, Schema | None] = {}
        self.queued: list[str] = []
        self.walked: set[int] = set()
        # Reference targets outside any subschema (e.g. `#/enum/0`), checked last.
        self.targets: list[tuple[Any, Any, str, str]] = []
        # Schemas applied to the same data as another: by id, the ids and where each is.
        self.same_data: dict[int, list[int]] = {}
        self.where: dict[int, tuple[str, str]] = {}
        empty: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self.registry = empty

    def form(self, name: str) -> None:
        if name in self.queued:
            return
        if "#" in name:
            self.problems.add(name, "a form file name may not contain '#': it starts a "
                                    "fragment in references")  # fmt: skip
            return
        self.queued.append(name)

    def _load(self, name: str) -> Schema | None:
        if name not in self.parsed:
            self.parsed[name] = self.parse(name, self.uploaded[name])
        return self.parsed[name]

    def _retrieve(self, uri: str) -> Resource[Any]:
        if uri in self.uploaded:
            schema = self._load(uri)
            if schema is None:
                raise _Refused(f"form file {uri} is not a valid form (see its own errors)")
            self.form(uri)
            return resource_of(schema)
        if _is_absolute(uri):
            raise _Refused(f"{uri} is outside this deployment; a form refers only within "
                           "itself or to another form file uploaded with it")  # fmt: skip
        raise _Refused(f"no form file {uri} was uploaded with the diagram")

    def run(self) -> None:
        done = 0
        while done < len(self.queued) or self.targets:
            if done < len(self.queued):
                name = self.queued[done]
                done += 1
                schema = self._load(name)
                if schema is not None:
                    self._root(name, schema)
                continue
            contents, resolver, name, pointer = self.targets.pop(0)
            if id(contents) not in self.walked:
                self._walk(name, resource_of(contents), resolver, pointer)

    def _root(self, name: str, schema: Schema) -> None:
        resource = resource_of(schema)
        own = resource.id()
        if own is not None and urljoin(name, own) != name:
            self.problems.add(name, f"$id at /$id is {own!r}: a form is known by its file "
                                    f"name, so its $id may only be {name!r}")  # fmt: skip
            return
        # As jsonschema starts validating a form: from the form itself, its $id the base.
        self._walk(name, resource, self.registry.resolver_with_root(resource), "")

    def _walk(self, name: str, resource: Resource[Any], resolver: Any, pointer: str) -> None:
        contents = resource.contents
        if not isinstance(contents, dict) or id(contents) in self.walked:
            return
        self.walked.add(id(contents))
        self.where[id(contents)] = (name, pointer or "/")
        dialect = contents.get("$schema")
        if isinstance(dialect, str):
            try:
                referencing.jsonschema.specification_with(dialect)
            except UnknownDialect:
                self.problems.add(name, f"$schema at {pointer}/$schema names an unknown JSON "
                                        f"Schema dialect {dialect!r}")  # fmt: skip
        for keyword in REFERENCE_KEYWORDS:
            ref = contents.get(keyword)
            if isinstance(ref, str):
                self._follow(name, resolver, ref, f"{pointer}/{_escape(keyword)}", id(contents))
        children = _children(contents)
        for sub in resource.subresources():
            at = children.get(id(sub.contents))
            if at is None or not isinstance(sub.contents, dict):
                continue
            try:
                inner = resolver.in_subresource(sub)
            except ValueError as exc:
                self.problems.add(name, f"$id at {pointer}{at}/$id cannot be used: {exc}")
                continue
            if at.split("/")[1] in IN_PLACE:
                self.same_data.setdefault(id(contents), []).append(id(sub.contents))
            self._walk(name, sub, inner, pointer + at)

    def _follow(self, name: str, resolver: Any, ref: str, pointer: str, source: int) -> None:
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:
            self.problems.add(name, f"reference at {pointer}: {_reason(ref, exc)}")
            return
        except (ValueError, TypeError):  # e.g. a pointer through a string or by name into a list
            self.problems.add(name, f"reference at {pointer}: {ref!r} is not a usable reference")
            return
        if isinstance(resolved.contents, dict):
            self.same_data.setdefault(source, []).append(id(resolved.contents))
            if id(resolved.contents) not in self.walked:
                self.targets.append((resolved.contents, resolved.resolver, name, pointer))

    def loops(self) -> None:
        """Record a problem for each loop of references applied to the same data."""
        state: dict[int, int] = {}  # 1 on the path being followed, 2 done
        for start in list(self.same_data):
            if start in state:
                continue
            path = [(start, iter(self.same_data.get(start, ())))]
            state[start] = 1
            while path:
                node, following = path[-1]
                nxt = next(following, None)
                if nxt is None:
                    state[node] = 2
                    path.pop()
                elif state.get(nxt) == 1:
                    name, pointer = self.where.get(node, ("?", "/"))
                    self.problems.add(name, f"the schema at {pointer} leads back to itself "
                                            "through references without descending into the "
                                            "data: validating would never end")  # fmt: skip
                elif nxt not in state:
                    state[nxt] = 1
                    path.append((nxt, iter(self.same_data.get(nxt, ()))))


def _reason(ref: str, exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, _Refused):
            return f"{ref!r}: {cause}"
        cause = cause.__cause__
    if isinstance(exc, PointerToNowhere):
        return f"{ref!r} points to nothing: there is no {exc.ref}"
    if isinstance(exc, NoSuchAnchor):
        return f"{ref!r} points to nothing: there is no anchor {exc.anchor!r}"
    return f"{ref!r} does not resolve among the forms uploaded with the diagram"


def _is_absolute(uri: str) -> bool:
    try:
        return bool(urlsplit(uri).scheme) or uri.startswith("//")
    except ValueError:
        return True


def _children(schema: Schema) -> dict[int, str]:
    """Where each object directly inside `schema` (or inside one of its lists or maps) sits,
    as a JSON pointer suffix, by the object's identity."""
    found: dict[int, str] = {}
    for key, value in schema.items():
        at = "/" + _escape(key)
        if isinstance(value, dict):
            found[id(value)] = at
            for sub_key, sub in value.items():
                if isinstance(sub, dict):
                    found.setdefault(id(sub), f"{at}/{_escape(sub_key)}")
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                if isinstance(sub, dict):
                    found.setdefault(id(sub), f"{at}/{index}")
    return found


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
