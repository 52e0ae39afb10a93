"""How deep a JSON request body may nest, found in its text before anything parses it.

The views' schema parsing (flask-smorest, webargs, marshmallow) recurses once per level and
fails with a RecursionError well below the 1,024 levels orjson takes; a body beyond 1,024
levels is no JSON to orjson at all. Both would be a 500 or a vague 422, so the depth is
read from the text itself, where the path to the level at fault is still known. Dossier
data may nest 32 levels (engine/nesting.py) inside an envelope of a few: `MAX_DEPTH` leaves
room for both.
"""
from __future__ import annotations

import re
from array import array
from itertools import accumulate

import orjson

MAX_DEPTH = 64
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_STRING)
# A string (escapes included) or a character of structure; numbers and literals are skipped.
_TOKENS = re.compile(_STRING + rb"|[\[\]{}:,]")
_ALL_BUT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
# An opening bracket becomes 1, a closing one 255 (-1 as a signed byte).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> str | None:
    """The JSON pointer of the first container in `raw` holding more than `limit` levels
    (as engine.nesting.too_deep names it), or None. A body with at most `limit` brackets
    costs two counts, any other one pass over its brackets; only a body too deep is scanned
    token by token, until its first container too deep."""
    if raw.count(b"[") + raw.count(b"{") <= limit or _within(raw, limit):
        return None
    # One entry per open container: the key or index of the child being read.
    stack: list[int | str] = []
    last_string = b""
    for match in _TOKENS.finditer(raw):
        token = match.group()
        char = token[:1]
        if char in b"[{":
            if len(stack) == limit:
                return _pointer(stack)
            stack.append(0 if char == b"[" else "")
        elif char in b"]}":
            if stack:
                stack.pop()
        elif char == b",":
            if stack and isinstance(stack[-1], int):
                stack[-1] += 1
        elif char == b":":
            if stack:
                stack[-1] = _text(last_string)
        else:
            last_string = token
    return None


def _within(raw: bytes, limit: int) -> bool:
    """True when no container in `raw` holds more than `limit` levels: with the strings
    dropped, each bracket left becomes a step up or down, and the highest running sum is
    the depth (all of it in C but the running sum's loop)."""
    steps = _STRINGS.sub(b"", raw).translate(_STEPS, _ALL_BUT_BRACKETS)
    return max(accumulate(array("b", steps)), default=0) <= limit


def _pointer(stack: list[int | str]) -> str:
    return "".join(f"/{entry}" for entry in stack)


def _text(token: bytes) -> str:
    try:
        text = orjson.loads(token)
    except orjson.JSONDecodeError:  # a lone surrogate: refused later as not JSON
        return token[1:-1].decode("utf-8", "replace")
    return text if isinstance(text, str) else ""
