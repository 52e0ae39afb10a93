"""The pure parts of engine.services.design.calendars: instants and merging override rows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.calendar import Override
from engine.errors import InvalidInput
from engine.services.design.calendars import _merge, parse_instant


def test_parse_instant_keeps_the_offset() -> None:
    value = parse_instant("2026-02-13T16:30:00+07:00")
    assert value.utcoffset() == timedelta(hours=7)
    assert parse_instant("2026-02-13T09:30:00Z").utcoffset() == timedelta(0)
    # An unencoded '+' in a query string arrives as a space.
    assert parse_instant("2026-02-13T16:30:00 07:00") == value


@pytest.mark.parametrize("text", ["2026-02-13T16:30:00", "2026-02-13", "soon", ""])
def test_parse_instant_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_instant(text, "received_at")
    assert [e["field"] for e in err.value.errors] == ["received_at"]


def test_merge_replaces_same_date_and_effective_from() -> None:
    since = date(2026, 1, 1)
    old = (Override(date(2026, 3, 1), "day_off", "old", since),
           Override(date(2026, 2, 1), "day_off", "kept", since))
    new = [Override(date(2026, 3, 1), "working_day", "new", since),
           Override(date(2026, 3, 1), "day_off", "later rule", date(2026, 2, 1))]
    merged = _merge(old, new)
    assert [(o.date.isoformat(), o.reason) for o in merged] == [
        ("2026-02-01", "kept"), ("2026-03-01", "new"), ("2026-03-01", "later rule")]
