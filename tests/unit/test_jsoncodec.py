"""The fast JSON codec gives the same values as the standard library, and refuses the same."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engine import jsoncodec


@pytest.mark.parametrize("value", [
    {"name": "Hộ kinh doanh Ánh Dương", "capital_vnd": 150_000_000, "ok": True, "x": None},
    [1, 2.5, "ba", {"nested": [{}]}],
    {"huge": 2**80, "negative": -(2**70)},  # beyond orjson's 64 bits: the fallback
])
def test_round_trips_like_the_standard_library(value: object) -> None:
    text = jsoncodec.dumps(value)
    assert json.loads(text) == value
    assert jsoncodec.loads(text) == json.loads(json.dumps(value))


def test_non_string_keys_become_strings_as_with_json_dumps() -> None:
    assert jsoncodec.loads(jsoncodec.dumps({1: "a", 2: "b"})) == {"1": "a", "2": "b"}


def test_non_ascii_text_is_kept_as_utf8() -> None:
    assert "Người nộp" in jsoncodec.dumps({"n": "Người nộp"})


def test_datetimes_are_refused_as_json_dumps_refuses_them() -> None:
    with pytest.raises(TypeError):
        jsoncodec.dumps({"at": datetime(2026, 1, 1, tzinfo=UTC)})
