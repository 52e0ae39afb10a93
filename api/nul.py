"""Requests carrying NUL characters are refused before any view reads them.

PostgreSQL cannot store NUL in text, SQLite can: without this check the same request would
be stored on a laptop and fail with a server error in production. A 422 names every
field, query parameter, path part or header at fault.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, request

from engine.errors import InvalidInput

NUL = "\x00"
MESSAGE = "must not contain NUL characters (\\u0000)"
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_nul() -> None:
        fields = list(dict.fromkeys(_nul_fields()))
        if fields:
            raise InvalidInput(f"the request contains NUL characters in {', '.join(fields)}",
                               errors=[{"field": f, "message": MESSAGE} for f in fields])


def _nul_fields() -> Iterator[str]:
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
    if request.is_json:
        raw = request.get_data(cache=True)
        # JSON writes NUL as an escape (a raw one is not valid JSON): a cheap look first.
        if b"\\u0000" in raw or b"\x00" in raw:
            yield from _walk("", request.get_json(silent=True))


def _has_nul(*texts: str | None) -> bool:
    return any(isinstance(text, str) and NUL in text for text in texts)


def _walk(path: str, node: Any) -> Iterator[str]:
    """The paths of strings (and keys) holding NUL, walked with a stack of its own: JSON
    may nest deeper than Python recurses."""
    stack = [(path, node)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                yield here or "/"
        elif isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                if NUL in str(key):
                    yield f"{here}/{key}"
                stack.append((f"{here}/{key}", child))
        elif isinstance(value, list):
            stack.extend((f"{here}/{i}", child) for i, child in reversed(list(enumerate(value))))
