"""The dossier data limit counts JSON bytes; a state within it spares measuring the data."""
from __future__ import annotations

from datetime import date

import pytest

from engine.datasize import DataTooLarge, check_data_size, check_left, json_size
from engine.errors import InvalidInput


def test_sizes_are_json_bytes_and_any_value_has_one() -> None:
    assert json_size({"a": "é"}) == len('{"a":"é"}'.encode())
    assert json_size({"big": 2**70}) == len('{"big": 1180591620717411303424}')
    assert json_size({"d": date(2026, 1, 2)}) > 0  # a script may leave a date


def test_what_comes_in_is_refused_naming_its_field() -> None:
    check_data_size("/data", {"x": "y" * 10}, 100)
    with pytest.raises(InvalidInput) as refused:
        check_data_size("/data", {"x": "y" * 100}, 100)
    assert refused.value.errors[0]["field"] == "/data"


def test_what_a_command_leaves_is_measured_only_past_the_limit() -> None:
    def never() -> dict[str, str]:
        raise AssertionError("measured although the state is within the limit")

    check_left(b"x" * 100, never, 100)
    check_left(b"x" * 101, lambda: {"a": 1}, 100)  # a large state, small data: fine
    with pytest.raises(DataTooLarge) as refused:
        check_left(b"x" * 200, lambda: {"a": "b" * 150}, 100)
    assert "limit of 100" in refused.value.message
