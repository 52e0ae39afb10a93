"""Server-side validation of officers' form data against the task's JSON Schema.

A form is checked among its version's own forms only (engine.bpmn.form_refs): a reference to
anything else fails at once, without reading the network or the disk, even in a version
stored before deployments checked references.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.exceptions import Unresolvable

from engine.bpmn.form_refs import registry_of
from engine.bpmn.forms import LATEST
from engine.errors import FormInvalid, FormReferenceRefused

Forms = Mapping[str, dict[str, Any]]

# Validators by the identity of a version's forms: compiled versions keep their forms for
# the life of the process, so the same mapping comes back on every completion. The mapping
# is kept in the entry, so its id cannot be reused while the entry lives.
_BY_FORMS: dict[int, tuple[Forms, dict[str, Any]]] = {}


def _validator_of(form_name: str, forms: Forms) -> Any:
    hit = _BY_FORMS.get(id(forms))
    if hit is None or hit[0] is not forms:
        if len(_BY_FORMS) >= 1024:
            _BY_FORMS.clear()
        hit = (forms, {})
        _BY_FORMS[id(forms)] = hit
    validator = hit[1].get(form_name)
    if validator is None:
        validator = hit[1][form_name] = _build(form_name, forms)
    return validator


def _build(form_name: str, forms: Forms) -> Any:
    schema = forms.get(form_name)
    if schema is None:  # a task without a stored form accepts any data, as before
        return LATEST({}, registry=Registry())
    try:
        registry = registry_of(forms)
    except ValueError as exc:
        raise _refused(form_name, f"an $id cannot be used: {exc}") from None
    cls = validator_for(schema, default=LATEST)
    return cls(schema, registry=registry, format_checker=FormatChecker())


def validate_form(form_name: str, forms: Forms, data: Any) -> None:
    """Check `data` against form `form_name` of a version whose forms are `forms`.

    Raises FormInvalid listing every field path at fault (`/` is the whole form), or
    FormReferenceRefused if the form refers to something outside `forms`.
    """
    validator = _validator_of(form_name, forms)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except Unresolvable as exc:
        ref = getattr(exc, "ref", None)
        raise _refused(form_name, f"{ref!r} does not resolve among the forms deployed with "
                                  "this version; nothing outside them is fetched") from None
    except (ValueError, TypeError):  # a pointer through a string or by name into a list
        raise _refused(form_name, "a reference points to nothing in the forms deployed "
                                  "with this version") from None
    except RecursionError:
        raise _refused(form_name, "its references loop without descending into the "
                                  "data") from None
    if errors:
        raise FormInvalid(f"the data does not satisfy form {form_name}",
                          errors=_named(errors))


# What a page needs to word an error in its own language: the JSON Schema keyword that
# failed and, for these keywords, its value under a stable name (`message` stays English).
_PARAM = {"minLength": "limit", "maxLength": "limit", "minimum": "limit", "maximum": "limit",
          "exclusiveMinimum": "limit", "exclusiveMaximum": "limit", "minItems": "limit",
          "maxItems": "limit", "minProperties": "limit", "maxProperties": "limit",
          "multipleOf": "limit", "enum": "allowed", "type": "type", "format": "format",
          "pattern": "pattern"}


def _params(e: Any) -> dict[str, Any]:
    name = _PARAM.get(e.validator)
    if name is not None:
        return {name: e.validator_value}
    if e.validator == "const":
        return {"allowed": [e.validator_value]}
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        known = e.schema.get("properties", {}) if isinstance(e.schema, dict) else {}
        return {"properties": sorted(str(k) for k in e.instance if k not in known)}
    return {}


def _named(errors: list[Any]) -> list[dict[str, Any]]:
    """One item per field at fault, named by its JSON pointer; a missing required property
    is named itself (`/applicant/name`), not the object that lacks it. Each carries the
    failing `keyword` and its `params` besides the English `message`."""
    out: list[dict[str, Any]] = []
    named: set[tuple[str, str]] = set()
    for e in errors:
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        if e.validator == "required" and isinstance(e.instance, dict):
            for prop in e.validator_value:
                if prop not in e.instance and (where, prop) not in named:
                    named.add((where, prop))
                    field = where.rstrip("/") + "/" + str(prop).replace("~", "~0").replace("/", "~1")
                    out.append({"field": field, "message": f"{prop!r} is a required property",
                                "keyword": "required", "params": {"property": prop}})
            continue
        out.append({"field": where, "message": e.message, "keyword": str(e.validator),
                    "params": _params(e)})
    return out


def _refused(form_name: str, why: str) -> FormReferenceRefused:
    return FormReferenceRefused(f"form {form_name} cannot be used: {why}",
                                errors=[{"form": form_name, "message": why}])
