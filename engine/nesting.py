"""How deep JSON data given to a dossier may nest.

Forms and applicants nest a few levels. Data nested hundreds of levels deep would be
accepted once and then break every later reading of the dossier (SpiffWorkflow copies and
restores task data recursively), so it is refused where it comes in.
"""
from __future__ import annotations

from typing import Any

from engine.errors import InvalidInput

MAX_DEPTH = 32


def check_nesting(field: str, value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise InvalidInput naming the part of `field` (a JSON pointer such as `/data`) that
    nests deeper than `limit` containers."""
    path = too_deep(value, field, limit)
    if path is not None:
        raise InvalidInput(f"{field} nests more than {limit} levels deep",
                           errors=[{"field": path, "message":
                                    f"nests more than {limit} levels deep"}])


def too_deep(value: Any, path: str, budget: int) -> str | None:
    """The path of the first container holding more than `budget` levels, or None. The
    walk itself never goes deeper than `budget`."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    if budget == 0:
        return path
    for key, child in items:
        found = too_deep(child, f"{path}/{key}", budget - 1)
        if found is not None:
            return found
    return None
