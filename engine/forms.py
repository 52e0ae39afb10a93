"""Server-side validation of officers' form data against the task's JSON Schema."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from engine.errors import FormInvalid


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = validator_for(schema)
    return cls(schema, format_checker=FormatChecker())


# Validators by the identity of the schema object: compiled versions keep their forms for
# the life of the process, so the same dict comes back on every completion. The schema
# is kept in the entry, so its id cannot be reused while the entry lives.
_BY_OBJECT: dict[int, tuple[dict[str, Any], Any]] = {}


def _validator_of(schema: dict[str, Any]) -> Any:
    hit = _BY_OBJECT.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = _validator(json.dumps(schema, sort_keys=True))
    if len(_BY_OBJECT) >= 1024:
        _BY_OBJECT.clear()
    _BY_OBJECT[id(schema)] = (schema, validator)
    return validator


def validate_form(form_name: str, schema: dict[str, Any], data: Any) -> None:
    """Raise FormInvalid listing every field path at fault (`/` is the whole form)."""
    validator = _validator_of(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise FormInvalid(
            f"the data does not satisfy form {form_name}",
            errors=[{"field": "/" + "/".join(str(p) for p in e.absolute_path),
                     "message": e.message} for e in errors],
        )
