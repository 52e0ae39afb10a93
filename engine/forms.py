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


def validate_form(form_name: str, schema: dict[str, Any], data: Any) -> None:
    """Raise FormInvalid listing every field path at fault (`/` is the whole form)."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise FormInvalid(
            f"the data does not satisfy form {form_name}",
            errors=[{"field": "/" + "/".join(str(p) for p in e.absolute_path),
                     "message": e.message} for e in errors],
        )
