"""Forms named by user tasks and start events: present, valid JSON, valid JSON Schema,
referring only to the forms uploaded with them (engine.bpmn.form_refs).

A process's start form (`formJsonSchemaFilename` on its start event) describes what intake
takes: it validates the object `{"applicant": ..., "data": ...}`, so a designer constrains
the applicant and the dossier's data together, and every field at fault is named by its
JSON pointer (`/applicant/id_number`, `/data/business_name`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema.validators
from lxml import etree
from referencing import Registry

from engine.bpmn.form_refs import check_references
from engine.bpmn.normalize import form_key
from engine.bpmn.problems import Problems
from engine.bpmn.structure import executable_processes
from engine.bpmn.xml import xpath
from engine.nesting import MAX_DEPTH, too_deep

# A form's schema nests about twice as deep as the data it describes.
MAX_FORM_DEPTH = 2 * MAX_DEPTH
# The dialect of a form that names none, as jsonschema reads it.
LATEST = jsonschema.validators.Draft202012Validator


def resolve_forms(
    root: etree._Element, uploaded: Mapping[str, bytes], problems: Problems, *,
    from_store: bool = False,
) -> dict[str, dict[str, Any]]:
    """Parse and check every form a user task of an executable process refers to, and every
    uploaded form those refer to.

    Returns form file name -> schema for the forms that are valid; records a problem on the
    user task for a missing form and on the file for an invalid one. A version `from_store`
    (compiled again from the database) keeps all its forms as they are: their references
    were checked at deploy, and completing a task never retrieves anything anyway.
    """
    names: list[str] = []
    for process in executable_processes(root):
        for task in xpath(process, ".//bpmn:userTask | .//bpmn:manualTask | ./bpmn:startEvent"):
            name = form_key(task)
            if name is None:
                continue
            if name not in uploaded:
                problems.add(task.get("id"), f"form {name!r} was not uploaded with the diagram")
            elif name not in names:
                names.append(name)
    if not from_store:
        return check_references(names, uploaded, lambda n, raw: parse_form(n, raw, problems),
                                problems)  # fmt: skip
    forms: dict[str, dict[str, Any]] = {}
    for name in [*names, *(n for n in uploaded if n not in names)]:
        schema = parse_form(name, uploaded[name], problems)
        if schema is not None:
            forms[name] = schema
    return forms


def start_form(root: etree._Element, key: str, problems: Problems) -> str | None:
    """The form the start events of process `key` name (None: intake takes any data).
    Its start events may name one form at most: intake cannot tell which one applies."""
    found: dict[str, str] = {}
    for process in xpath(root, f"./bpmn:process[@id='{key}']"):
        for event in xpath(process, "./bpmn:startEvent"):
            name = form_key(event)
            if name is not None:
                found.setdefault(name, str(event.get("id")))
    if len(found) > 1:
        names = ", ".join(sorted(found))
        for element in found.values():
            problems.add(element, f"start events name different forms ({names}); a process "
                                  "has one start form")
        return None
    return next(iter(found), None)


def parse_form(name: str, raw: bytes, problems: Problems) -> dict[str, Any] | None:
    """The JSON Schema in `raw`, or None after recording what is wrong with it."""
    try:
        schema = json.loads(raw)
    except UnicodeDecodeError as exc:
        problems.add(name, f"form is not UTF-8 text: {exc.reason} at byte {exc.start}")
        return None
    except json.JSONDecodeError as exc:
        problems.add(name, f"form is not valid JSON: {exc.msg} at line {exc.lineno} "
                           f"column {exc.colno}")  # fmt: skip
        return None
    except RecursionError:
        problems.add(name, f"form nests more than {MAX_FORM_DEPTH} levels deep")
        return None
    if not isinstance(schema, dict):
        problems.add(name, f"form must be a JSON Schema object, got {type(schema).__name__}")
        return None
    deep = too_deep(schema, "", MAX_FORM_DEPTH)
    if deep is not None:
        # jsonschema checks a schema recursively: far below Python's limit, or not at all.
        problems.add(name, f"form nests more than {MAX_FORM_DEPTH} levels deep at {deep}")
        return None
    try:
        # An unknown dialect is refused with the other references (form_refs), not fetched.
        cls = jsonschema.validators.validator_for(schema, default=LATEST)
    except Exception as exc:  # noqa: BLE001 - an unknown "$schema" dialect
        problems.add(name, f"form names an unknown JSON Schema dialect: {exc}")
        return None
    # An empty registry: the meta-schemas jsonschema adds, and nothing retrieved.
    checker = cls(cls.META_SCHEMA, registry=Registry())
    errors = sorted(checker.iter_errors(schema), key=lambda e: [str(p) for p in e.path])
    for error in errors:
        where = "/" + "/".join(str(p) for p in error.path)
        problems.add(name, f"invalid JSON Schema at {where}: {error.message}")
    return None if errors else schema
