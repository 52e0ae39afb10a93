"""Examples of Vietnam's working-time calendar (engine.calendar)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from engine.calendar import (
    MAX_LIMIT_DAYS,
    MAX_LIMIT_MONTHS,
    Calendar,
    Override,
    WeeklyHours,
    add_calendar_days,
    add_months,
    add_working_days,
    add_working_hours,
    is_closing,
    is_open,
    national_calendar,
    next_opening,
    parse_overrides_csv,
    resolve,
    to_local,
    working_time_between,
)
from engine.errors import InvalidInput

ICT = timezone(timedelta(hours=7))
VN = national_calendar()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ICT)


def province(*rows: Override) -> Calendar:
    return resolve(Calendar("hn", "Hà Nội", parent="vn", overrides=rows))


# --- the statutory examples ------------------------------------------------------------------

def test_tet_2026_five_working_days() -> None:
    # holidays.VN 0.109 marks Mon 16 - Fri 20 Feb 2026 off (Lunar New Year's Eve + Tết days 1-4);
    # with the weekends around it the office is closed Sat 14 - Sun 22 Feb.
    # Received Fri 13 Feb 16:30: 0.5 h that day (16:30-17:00), then 8 h each on
    # Mon 23, Tue 24, Wed 25, Thu 26 Feb (32.5 h), 7.5 h left on Fri 27 Feb:
    # 07:00-11:30 (4.5 h) + 13:30-16:30 (3 h). Due Fri 27 Feb 2026 16:30 +07:00 (09:30 UTC).
    start = at(2026, 2, 13, 16, 30)
    due = add_working_days(VN, start, 5)
    assert due == datetime(2026, 2, 27, 9, 30, tzinfo=UTC)
    assert to_local(due) == at(2026, 2, 27, 16, 30)
    assert working_time_between(VN, start, due) == timedelta(hours=40)
    for day in range(16, 21):
        assert not is_open(VN, at(2026, 2, day, 9))


def test_one_working_day_from_tuesday_1500_is_wednesday_1500() -> None:
    assert to_local(add_working_days(VN, at(2026, 3, 3, 15), 1)) == at(2026, 3, 4, 15)


def test_received_in_lunch_break_counts_from_1330() -> None:
    start = at(2026, 3, 3, 12)
    assert to_local(add_working_hours(VN, start, 1)) == at(2026, 3, 3, 14, 30)
    # 3.5 h on Tuesday afternoon + 4.5 h on Wednesday morning: due at Wednesday's 11:30 closing.
    assert to_local(add_working_days(VN, start, 1)) == at(2026, 3, 4, 11, 30)
    assert to_local(next_opening(VN, start)) == at(2026, 3, 3, 13, 30)


def test_received_saturday_counts_from_monday_0700() -> None:
    start = at(2026, 3, 7, 9)
    assert to_local(next_opening(VN, start)) == at(2026, 3, 9, 7)
    assert to_local(add_working_hours(VN, start, 2)) == at(2026, 3, 9, 9)
    assert to_local(add_working_days(VN, start, 1)) == at(2026, 3, 9, 17)


def test_received_after_closing_counts_from_next_opening() -> None:
    assert to_local(add_working_hours(VN, at(2026, 3, 3, 18), 1)) == at(2026, 3, 4, 8)


def test_due_at_closing_time_not_next_opening() -> None:
    due = add_working_hours(VN, at(2026, 3, 3, 16), 1)
    assert to_local(due) == at(2026, 3, 3, 17)
    assert is_closing(VN, due) and not is_open(VN, due)
    assert to_local(add_working_hours(VN, at(2026, 3, 3, 7), 4.5)) == at(2026, 3, 3, 11, 30)


def test_half_open_hours() -> None:
    assert is_open(VN, at(2026, 3, 3, 7))
    assert not is_open(VN, at(2026, 3, 3, 11, 30)) and is_closing(VN, at(2026, 3, 3, 11, 30))
    assert not is_closing(VN, at(2026, 3, 3, 12))
    assert next_opening(VN, at(2026, 3, 3, 8)) == at(2026, 3, 3, 8)


def test_swapped_working_saturday_is_counted() -> None:
    # Sat 22 Aug 2026 is worked in exchange for Mon 31 Aug (built-in national row).
    assert is_open(VN, at(2026, 8, 22, 8))
    assert not is_open(VN, at(2026, 8, 31, 8))
    assert to_local(add_working_days(VN, at(2026, 8, 21, 15), 1)) == at(2026, 8, 22, 15)
    # A province swap with explicit hours (a Saturday morning only).
    cal = province(Override(date(2026, 3, 7), "working_day", "swap", date(2026, 1, 1),
                            ((time(7, 30), time(11, 30)),)))
    assert to_local(add_working_hours(cal, at(2026, 3, 6, 16), 2)) == at(2026, 3, 7, 8, 30)
    assert not is_open(cal, at(2026, 3, 7, 14))


def test_province_day_off_pushes_due_date() -> None:
    start = at(2026, 3, 2, 9)
    assert to_local(add_working_days(VN, start, 3)) == at(2026, 3, 5, 9)
    cal = province(Override(date(2026, 3, 4), "day_off", "local festival", date(2026, 1, 1)))
    assert to_local(add_working_days(cal, start, 3)) == at(2026, 3, 6, 9)


def test_effective_from_is_respected() -> None:
    cal = province(Override(date(2026, 3, 4), "day_off", "late decision", date(2026, 3, 3)))
    early = at(2026, 3, 2, 9)  # received before the decision took effect
    assert to_local(add_working_days(cal, early, 3)) == at(2026, 3, 5, 9)
    assert to_local(add_working_days(cal, early, 3, as_of=date(2026, 3, 3))) == at(2026, 3, 6, 9)
    assert to_local(add_working_days(cal, at(2026, 3, 3, 9), 2)) == at(2026, 3, 6, 9)


def test_child_wins_over_parent_once_in_force() -> None:
    parent = Calendar("north", parent="vn", overrides=(
        Override(date(2026, 3, 4), "day_off", "regional", date(2026, 1, 1)),))
    child = Calendar("hn", parent="north", overrides=(
        Override(date(2026, 3, 4), "working_day", "province works", date(2026, 2, 1)),))
    cal = resolve(child, {"north": parent})
    assert cal.parent is None
    assert is_open(cal, at(2026, 3, 4, 9))  # as_of 4 Mar: the child's row applies
    assert not is_open(cal, at(2026, 3, 4, 9), as_of=date(2026, 1, 15))  # only the parent's
    # National rows are inherited.
    assert is_open(cal, at(2026, 8, 22, 9))


def test_resolve_errors() -> None:
    with pytest.raises(InvalidInput) as exc:
        resolve(Calendar("x", parent="nowhere"))
    assert exc.value.errors[0]["field"] == "parent"
    with pytest.raises(InvalidInput):
        resolve(Calendar("a", parent="b"), [Calendar("b", parent="a")])


def test_national_holidays_2026() -> None:
    for day in [date(2026, 1, 1), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
                date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24)]:
        assert not is_open(VN, datetime.combine(day, time(9), ICT)), day
    no_holidays = Calendar("plain", use_national_holidays=False)
    assert is_open(no_holidays, at(2026, 2, 17, 9))


def test_calendar_days_and_months_roll_forward() -> None:
    # Mon 2 Mar 10:00 + 5 days = Sat 7 Mar 10:00 -> next opening Mon 9 Mar 07:00.
    assert to_local(add_calendar_days(VN, at(2026, 3, 2, 10), 5)) == at(2026, 3, 9, 7)
    assert to_local(add_calendar_days(VN, at(2026, 3, 2, 10), 3)) == at(2026, 3, 5, 10)
    assert to_local(add_calendar_days(VN, at(2026, 3, 2, 17), 1)) == at(2026, 3, 3, 17)
    assert to_local(add_calendar_days(VN, at(2026, 3, 2, 12), 1)) == at(2026, 3, 3, 13, 30)
    # 31 Jan + 1 month = Sat 28 Feb -> Mon 2 Mar 07:00; Tết pushes 13 Jan + 1 month.
    assert to_local(add_months(VN, at(2026, 1, 31, 10), 1)) == at(2026, 3, 2, 7)
    assert to_local(add_months(VN, at(2026, 1, 16, 10), 1)) == at(2026, 2, 23, 7)
    assert to_local(add_months(VN, at(2025, 11, 3, 10), 3)) == at(2026, 2, 3, 10)


def test_long_spans_and_year_boundaries() -> None:
    start = at(2025, 12, 31, 16)
    due = add_working_days(VN, start, 2)  # 1 Jan 2026 is a holiday
    assert to_local(due) == at(2026, 1, 5, 16)
    far = add_working_days(VN, at(2026, 1, 5, 7), 600)
    assert working_time_between(VN, at(2026, 1, 5, 7), far) == timedelta(hours=4800)


def test_aware_input_required_and_utc_output() -> None:
    with pytest.raises(ValueError):
        add_working_hours(VN, datetime(2026, 3, 3, 9), 1)
    with pytest.raises(ValueError):
        working_time_between(VN, at(2026, 3, 3, 9), at(2026, 3, 2, 9))
    with pytest.raises(ValueError):
        add_working_days(VN, at(2026, 3, 3, 9), -1)
    due = add_working_hours(VN, at(2026, 3, 3, 9), timedelta(minutes=30))
    assert due.tzinfo == UTC and due == datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    assert add_working_hours(VN, at(2026, 3, 7, 9), 0) == at(2026, 3, 7, 9)


@pytest.mark.parametrize(("add", "amount"), [
    (add_working_days, 1e300),  # times 8 hours in microseconds: beyond a float
    (add_working_hours, 1e300),
    (add_working_hours, timedelta(days=999_999_999)),
    (add_working_days, MAX_LIMIT_DAYS * 4),  # 8-hour days: more than the horizon holds
    (add_calendar_days, 10**21),  # beyond a C int
    (add_calendar_days, MAX_LIMIT_DAYS + 1),
    (add_months, 10**12),
    (add_months, MAX_LIMIT_MONTHS + 1),
])
def test_limits_beyond_the_horizon_are_refused_not_overflowed(add: Any, amount: Any) -> None:
    with pytest.raises(ValueError, match="longer than 50 years"):
        add(VN, at(2026, 3, 3, 9), amount)


@pytest.mark.parametrize("instant", [datetime(9999, 12, 31, 23, tzinfo=UTC),
                                     datetime(1, 1, 1, 0, tzinfo=ICT)])
def test_instants_near_the_ends_of_datetime_are_refused(instant: datetime) -> None:
    for add in (add_working_days, add_calendar_days, add_months):
        with pytest.raises(ValueError, match="in the years 1900-9000"):
            add(VN, instant, 1)


def test_limits_up_to_the_horizon_are_counted() -> None:
    start = at(2026, 3, 3, 9)
    assert to_local(add_calendar_days(VN, start, MAX_LIMIT_DAYS)).year == 2076
    assert to_local(add_months(VN, start, MAX_LIMIT_MONTHS)).year == 2076
    with pytest.raises(ValueError, match="cannot be negative"):
        add_working_days(VN, start, -1e300)


def test_calendar_without_working_time_fails_cleanly() -> None:
    closed = Calendar("closed", weekly=WeeklyHours(((),) * 7))
    with pytest.raises(ValueError):
        add_working_hours(closed, at(2026, 3, 3, 9), 1)


# --- data: JSON round trip, validation, CSV ---------------------------------------------------

def test_calendar_json_round_trip() -> None:
    cal = Calendar(
        "hcm", "TP. Hồ Chí Minh", "vn",
        weekly=WeeklyHours((((time(7, 30), time(11, 30)), (time(13), time(17))),) * 5
                           + (((time(7, 30), time(11, 30)),), ())),
        overrides=(Override(date(2026, 3, 7), "working_day", "swap", date(2026, 1, 1),
                            ((time(8), time(12)),)),
                   Override(date(2026, 3, 9), "day_off", "festival", date(2026, 1, 1))),
    )
    data = cal.to_dict()
    assert data["weekly"]["sat"] == [["07:30", "11:30"]] and data["weekly"]["sun"] == []
    assert Calendar.from_dict(data) == cal
    assert Calendar.from_dict(national_calendar().to_dict()) == national_calendar()


def test_weekly_hours_validation() -> None:
    with pytest.raises(InvalidInput) as exc:
        WeeklyHours.from_dict({"mon": [["13:30", "17:00"], ["07:00", "11:30"]]})
    assert exc.value.errors[0]["field"] == "weekly.mon[1]"
    with pytest.raises(InvalidInput) as exc:
        WeeklyHours.from_dict({"tue": [["17:00", "07:00"]]})
    assert exc.value.errors[0]["field"] == "weekly.tue[0]"
    with pytest.raises(InvalidInput):
        WeeklyHours.from_dict({"mon": [["7h", "11:30"]]})
    with pytest.raises(InvalidInput) as exc:
        WeeklyHours.from_dict({"monday": []})
    assert exc.value.errors[0]["field"] == "weekly.monday"


def test_calendar_from_dict_names_bad_fields() -> None:
    data = national_calendar().to_dict()
    data["timezone"] = "Mars/Olympus"
    data["overrides"][1]["kind"] = "holiday"
    data["overrides"][2]["effective_from"] = "2026-13-01"
    data["weekly"]["fri"] = [["07:00", "11:30"], ["11:00", "17:00"]]
    with pytest.raises(InvalidInput) as exc:
        Calendar.from_dict(data)
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"timezone", "overrides[1].kind", "overrides[2].effective_from",
                      "weekly.fri[1]"}


def test_parse_overrides_csv() -> None:
    text = ("date,kind,reason,effective_from,hours\n"
            "2026-03-07,working_day,Swap for 2 Mar,2026-01-15,07:00-11:30 13:30-17:00\n"
            "\n"
            "2026-03-02,day_off,\"Bridge day, swapped\",2026-01-15,\n")
    rows = parse_overrides_csv(text)
    assert rows[0].hours == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert rows[1] == Override(date(2026, 3, 2), "day_off", "Bridge day, swapped",
                               date(2026, 1, 15))


def test_parse_overrides_csv_errors_name_line_and_column() -> None:
    text = ("date,kind,reason,effective_from,hours\n"
            "2026-03-07,working_day,ok,2026-01-15,\n"
            "2026-02-30,day_off,bad date,2026-01-15,\n"
            "2026-03-09,holiday,bad kind,2026-01-15,\n"
            "2026-03-10,working_day,bad hours,2026-01-15,11:00-07:00\n"
            "2026-03-11,day_off,no since,,\n")
    with pytest.raises(InvalidInput) as exc:
        parse_overrides_csv(text)
    got = {(e["line"], e["column"]) for e in exc.value.errors}
    assert got == {(3, "date"), (4, "kind"), (5, "hours"), (6, "effective_from")}
    with pytest.raises(InvalidInput) as exc:
        parse_overrides_csv("date,kind,reason\n")
    assert exc.value.errors[0]["column"] == "effective_from"


def test_parse_overrides_csv_refuses_nul_as_http_does() -> None:
    text = ("date,kind,reason,effective_from\n"
            "2026-03-02,day_off,ok,2026-01-15\n"
            "2026-03-03,day_off,L\x00e,2026-01-15\n")
    with pytest.raises(InvalidInput) as exc:
        parse_overrides_csv(text)
    assert [(e["line"], e["column"], e["message"]) for e in exc.value.errors] == [
        (3, "reason", "contains a NUL character")]
