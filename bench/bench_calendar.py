"""Micro-benchmark of the working-time arithmetic (prints figures; not a test).

Run: .venv/bin/python bench/bench_calendar.py
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

from engine.calendar import (
    Calendar,
    Override,
    add_working_days,
    add_working_hours,
    resolve,
    working_time_between,
)

CALLS = 20_000
ICT = timezone(timedelta(hours=7))


def province() -> Calendar:
    rows = [Override(date(2026, m, 15), "day_off", "local festival", date(2025, 12, 1))
            for m in range(1, 13)]
    rows.append(Override(date(2026, 3, 7), "working_day", "swapped Saturday", date(2025, 12, 1)))
    rows.append(Override(date(2026, 10, 10), "day_off", "late decision", date(2026, 6, 1)))
    return resolve(Calendar("hn", "Hà Nội", parent="vn", overrides=tuple(rows)))


def starts() -> list[datetime]:
    base = datetime(2026, 1, 5, 7, 0, tzinfo=ICT)
    # 200 reception instants spread over 2026, in and out of office hours.
    return [base + timedelta(days=(i * 7) % 330, minutes=(i * 97) % 900) for i in range(200)]


def measure(label: str, call: object) -> None:
    fn = call  # type: ignore[assignment]
    xs = starts()
    for x in xs:  # warm-up: compile the calendar and fill caches
        fn(x)  # type: ignore[operator]
    n = len(xs)
    t0 = time.perf_counter()
    for i in range(CALLS):
        fn(xs[i % n])  # type: ignore[operator]
    elapsed = time.perf_counter() - t0
    print(f"{label:<38} {elapsed / CALLS * 1e6:7.2f} µs/call")


def main() -> None:
    cal = province()
    as_of = date(2026, 1, 2)
    month = timedelta(days=31)
    print(f"calendar {cal.id!r} with {len(cal.overrides)} override rows, {CALLS} calls each")
    measure("add_working_days(5)", lambda s: add_working_days(cal, s, 5))
    measure("add_working_days(30)", lambda s: add_working_days(cal, s, 30))
    measure("add_working_hours(4)", lambda s: add_working_hours(cal, s, 4))
    measure("add_working_days(5, as_of=...)", lambda s: add_working_days(cal, s, 5, as_of=as_of))
    measure("working_time_between(~1 month)", lambda s: working_time_between(cal, s, s + month))


if __name__ == "__main__":
    main()
