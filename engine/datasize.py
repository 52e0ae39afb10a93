"""How large a dossier's data may be, counted as the JSON the store writes.

Every command loads, copies and stores the whole instance: data that grows without bound
(an intake of megabytes, a script appending on every loop) makes each later command slower
and fills the store. What comes in (intake's data and applicant, a task's form data, a
message's payload) is refused naming its field; data a command leaves beyond the limit
refuses the command, so nothing it did is stored.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine import jsoncodec
from engine.errors import InvalidInput

SETTING = "MOTCUA_MAX_DOSSIER_DATA_BYTES"


class DataTooLarge(InvalidInput):
    """A command would leave a dossier's data larger than the limit; nothing was stored."""

    code = "data-too-large"


def json_size(value: Any) -> int:
    """Bytes of `value` as JSON text (a value JSON has no form for counts as its text)."""
    try:
        return len(jsoncodec.dumps_bytes(value))
    except TypeError:
        return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))


def check_data_size(field: str, value: Any, limit: int) -> None:
    """Raise InvalidInput naming `field` (a JSON pointer such as `/data`) when `value` is
    larger than `limit` bytes as JSON."""
    size = json_size(value)
    if size > limit:
        message = f"is {size} bytes as JSON, more than the limit of {limit} ({SETTING})"
        raise InvalidInput(f"{field} {message}", errors=[{"field": field, "message": message}])


def check_left(state: bytes, data: Callable[[], Any], limit: int) -> None:
    """Raise DataTooLarge when the data a command left (`data()`) is larger than `limit`.
    `state` is the instance's stored form, which holds every value of its data at least
    once: a state within the limit needs no measuring of the data at all."""
    if len(state) <= limit:
        return
    size = json_size(data())
    if size > limit:
        message = (f"the dossier's data would be {size} bytes as JSON, more than the limit "
                   f"of {limit} ({SETTING}); nothing was stored")
        raise DataTooLarge(message, errors=[{"field": "data", "message": message}])
