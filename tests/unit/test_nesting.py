"""How deep JSON data given to a dossier may nest (engine.nesting)."""
from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidInput
from engine.nesting import MAX_DEPTH, check_nesting


def _lists(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def test_data_up_to_the_limit_passes() -> None:
    check_nesting("/data", {"a": _lists(MAX_DEPTH - 1)})  # the dict itself is one level
    check_nesting("/data", {"a": 1, "b": [{"c": "d"}], "e": None})
    check_nesting("/data", "a string is not nested at all")


def test_one_level_more_names_the_container_beyond_the_limit() -> None:
    with pytest.raises(InvalidInput) as info:
        check_nesting("/data", {"ok": 1, "rows": [{"deep": _lists(MAX_DEPTH - 2)}]})
    assert info.value.errors == [{"field": "/data/rows/0/deep" + "/0" * (MAX_DEPTH - 3),
                                  "message": f"nests more than {MAX_DEPTH} levels deep"}]


def test_far_deeper_than_python_recurses_is_refused_without_recursing() -> None:
    with pytest.raises(InvalidInput) as info:
        check_nesting("/payload", {"x": _lists(100_000)})
    assert info.value.errors[0]["field"] == "/payload/x" + "/0" * (MAX_DEPTH - 1)
