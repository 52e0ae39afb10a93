"""The request guard reads a body's depth from its text exactly as engine.nesting reads it
from the parsed value: same answer, same path."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.json_depth import too_deep
from engine.nesting import too_deep as too_deep_parsed

_TRICKY = st.sampled_from(["[", "]", "{", "}", '"', "\\", ":", ",", "é", "\\u005b"])
_TEXT = st.lists(st.one_of(_TRICKY, st.text(max_size=3)), max_size=4).map("".join)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(value=_JSON, limit=st.integers(min_value=1, max_value=8),
       ascii_only=st.booleans())
def test_text_and_value_agree(value: Any, limit: int, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    assert too_deep(raw, limit) == too_deep_parsed(value, "", limit)


def test_far_beyond_what_any_parser_takes() -> None:
    raw = b"[" * 100_000 + b"]" * 100_000
    assert too_deep(raw, 64) == "/0" * 64


def test_up_to_the_limit_is_fine() -> None:
    assert too_deep(b"[" * 64 + b"]" * 64, 64) is None
    assert too_deep(b'{"a": "' + b"[" * 100 + b'"}', 64) is None  # brackets in a string
    assert too_deep(b"[" * 65 + b"]" * 65, 64) == "/0" * 64
