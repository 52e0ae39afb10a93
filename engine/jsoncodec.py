"""JSON text for the store and the API: orjson where it can, the standard library where
it can't (integers beyond 64 bits), both giving the same values back."""
from __future__ import annotations

import json
from typing import Any

import orjson

# {1: …} becomes {"1": …} as with json.dumps; dates, UUIDs and dataclasses are refused (as
# json.dumps refuses them) instead of taking orjson's own format.
_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")


def written(text: bytes) -> Any:
    """JSON text made by `dumps_bytes`, as a value `dumps` writes out as it is: what is
    measured before it is stored is not serialized a second time."""
    return orjson.Fragment(text)


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
