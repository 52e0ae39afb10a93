"""Properties of the working-time arithmetic (engine.calendar), checked with hypothesis."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import (
    Calendar,
    Override,
    add_calendar_days,
    add_working_days,
    add_working_hours,
    is_closing,
    is_open,
    next_opening,
    resolve,
    working_time_between,
)

ICT = timezone(timedelta(hours=7))
AS_OF = date(2026, 6, 1)  # one rule set for a whole chain of computations, as for a dossier

CAL = resolve(Calendar("hn", "Hà Nội", parent="vn", overrides=(
    Override(date(2026, 3, 7), "working_day", "swap", date(2026, 1, 1)),
    Override(date(2026, 3, 14), "working_day", "half swap", date(2026, 1, 1),
             ((time(8), time(10)),)),
    Override(date(2026, 3, 9), "day_off", "festival", date(2026, 1, 1)),
    Override(date(2026, 12, 30), "day_off", "year end", date(2026, 1, 1)),
)))

# Minute-aligned and arbitrary-microsecond instants from late 2025 to early 2027.
starts = st.builds(
    lambda minutes, us: datetime(2025, 11, 1, tzinfo=ICT) + timedelta(minutes=minutes,
                                                                      microseconds=us),
    st.integers(0, 60 * 24 * 480),
    st.one_of(st.just(0), st.integers(0, 59_999_999)),
)
amounts = st.builds(lambda m, us: timedelta(minutes=m, microseconds=us),
                    st.integers(0, 60 * 8 * 40), st.integers(0, 59_999_999))
positive = amounts.filter(lambda d: d > timedelta(0))


def add(start: datetime, amount: timedelta) -> datetime:
    return add_working_hours(CAL, start, amount, as_of=AS_OF)


def not_inside_closed(instant: datetime) -> bool:
    return is_open(CAL, instant, as_of=AS_OF) or is_closing(CAL, instant, as_of=AS_OF)


@given(starts, amounts)
def test_measure_inverts_addition(start: datetime, amount: timedelta) -> None:
    due = add(start, amount)
    assert working_time_between(CAL, start, due, as_of=AS_OF) == amount
    opened = next_opening(CAL, start, as_of=AS_OF)
    if is_open(CAL, start, as_of=AS_OF):
        assert opened == start
    if amount:
        assert working_time_between(CAL, opened, due, as_of=AS_OF) == amount


@given(starts, positive)
def test_due_is_never_inside_a_closed_period(start: datetime, amount: timedelta) -> None:
    due = add(start, amount)
    assert due > start
    assert not_inside_closed(due)


@given(starts, st.integers(0, 40))
def test_monotone_in_working_days(start: datetime, n: int) -> None:
    a = add_working_days(CAL, start, n, as_of=AS_OF)
    b = add_working_days(CAL, start, n + 1, as_of=AS_OF)
    assert a < b
    assert working_time_between(CAL, a, b, as_of=AS_OF) == timedelta(hours=8)


@given(starts, starts)
def test_monotone_in_start(s1: datetime, s2: datetime) -> None:
    s1, s2 = min(s1, s2), max(s1, s2)
    assert add(s1, timedelta(hours=8)) <= add(s2, timedelta(hours=8))


@given(starts, amounts, amounts)
def test_addition_composes(start: datetime, a: timedelta, b: timedelta) -> None:
    assert add(start, a + b) == add(add(start, a), b)


@given(starts, amounts)
def test_due_is_the_earliest_such_instant(start: datetime, amount: timedelta) -> None:
    due = add(start, amount)
    if due > start:
        just_before = due - timedelta(microseconds=1)
        assert working_time_between(CAL, start, just_before, as_of=AS_OF) < amount


@settings(max_examples=50)
@given(starts, st.integers(0, 400))
def test_calendar_days_roll_forward_into_open_time(start: datetime, n: int) -> None:
    due = add_calendar_days(CAL, start, n, as_of=AS_OF)
    assert due >= start + timedelta(days=n)
    assert not_inside_closed(due)
