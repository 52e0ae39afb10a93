"""What every request is checked for before any view reads it.

- **NUL characters**, in any field, query parameter, path part or header. PostgreSQL cannot
  store NUL in text and SQLite can: without this check the same request would be stored on
  a laptop and fail with a server error in production.
- **JSON bodies that do not survive storage unchanged.** The views' parser (the standard
  library's) takes `NaN`, `Infinity`, `1e400` and lone surrogates, and keeps integers of any
  size; the store writes and reads JSON with orjson, which has none of these. NaN would be
  stored as null and break the history's hash chain, a lone surrogate could not be stored
  at all, and an integer beyond 64 bits would come back as a float. Such bodies are refused.
- **JSON nested deeper than `json_depth.MAX_DEPTH`** (objects or arrays), at any depth,
  before parsing: the views' parsers would fail on it with a server error.

Each refusal is a 422 naming what is at fault.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson
from flask import Flask, request

from api import body_limits, json_depth
from engine.errors import InvalidInput

NUL = "\x00"
MESSAGE = "must not contain NUL characters (\\u0000)"
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_LONG_DIGITS = re.compile(rb"\d{19}")  # where an integer beyond 64 bits may be
_INTEGERS = (-(2**63), 2**64 - 1)


def register(app: Flask) -> None:
    @app.before_request
    def _guard() -> None:
        body = _json_body()
        fields = list(dict.fromkeys(_nul_fields(body)))
        if fields:
            raise InvalidInput(f"the request contains NUL characters in {', '.join(fields)}",
                               errors=[{"field": f, "message": MESSAGE} for f in fields])


def _json_body() -> Any:
    """The JSON body parsed as the store will read it (None without one); refused when it
    would not come back from the store as sent."""
    if not request.is_json:
        return None
    raw = body_limits.read_body()
    if not raw.strip():
        return None
    return checked_json(raw)


def checked_json(raw: bytes, part: str = "") -> Any:
    """JSON text refused as a JSON body would be (too deep, not JSON as the store reads
    it, integers beyond 64 bits, NUL characters), each error naming its path under `part`
    (a multipart part carrying JSON, e.g. the dossier sent with its papers)."""
    where = "the body" if not part else f"part {part}"
    deep = json_depth.too_deep(raw)
    if deep is not None:
        message = f"nests more than {json_depth.MAX_DEPTH} levels deep"
        raise InvalidInput(f"{where} {message}", errors=[{"field": part + deep,
                                                          "message": message}])
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{where} is not valid JSON", errors=[{
            "field": part or "/", "message": f"{exc} (NaN, Infinity, numbers beyond a double "
                                             "and lone surrogates are not JSON)"}]) from None
    if _LONG_DIGITS.search(raw):
        exact = json.loads(raw)  # integers as sent, not as doubles (no deeper than parsed)
        huge = list(_huge_integers(part, exact))
        if huge:
            raise InvalidInput("integers beyond 64 bits", errors=[{
                "field": path, "message": "an integer beyond 64 bits: send it as a string"}
                for path in huge])
    if part and b"\\u0000" in raw:
        nul = [path for path, value in _leaves(part, body)
               if isinstance(value, str) and NUL in value]
        if nul:
            raise InvalidInput(f"{where} contains NUL characters in {', '.join(nul)}",
                               errors=[{"field": f, "message": MESSAGE} for f in nul])
    return body


def _nul_fields(body: Any) -> Iterator[str]:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and NUL in value:
            yield f"/{name}"
    for key, value in request.args.items(multi=True):
        if _has_nul(key, value):
            yield f"/{key}"
    if request.mimetype in _FORMS:
        for key, value in request.form.items(multi=True):  # a part may come without a name
            if _has_nul(key, value):
                yield f"/{key}"
        for key, upload in request.files.items(multi=True):
            if NUL in (upload.filename or ""):
                yield f"/{key}"
    for key, value in request.environ.items():  # the headers, as the server passed them
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            yield key[5:].replace("_", "-").title()
    # JSON writes NUL as an escape (a raw one is not valid JSON): a cheap look first.
    if body is not None and b"\\u0000" in request.get_data(cache=True):
        yield from (path for path, value in _leaves("", body)
                    if isinstance(value, str) and NUL in value)


def _has_nul(*texts: str | None) -> bool:
    return any(isinstance(text, str) and NUL in text for text in texts)


def _huge_integers(path: str, body: Any) -> Iterator[str]:
    low, high = _INTEGERS
    for where, value in _leaves(path, body):
        if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
            yield where


def _leaves(path: str, node: Any) -> Iterator[tuple[str, Any]]:
    """(path, value) of every leaf and key of a JSON value, walked with a stack of its own:
    JSON may nest deeper than Python recurses. A key is given as a leaf at its own path."""
    stack = [(path, node)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                stack.append((f"{here}/{key}", child))
                yield f"{here}/{key}", key
        elif isinstance(value, list):
            stack.extend((f"{here}/{i}", child) for i, child in reversed(list(enumerate(value))))
        else:
            yield here or "/", value
