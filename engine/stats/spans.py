"""A range of days as the fewest counter rows that add up to it: whole years, whole months
and the days left at its edges. The counters are kept per day and also per month and per
year of each key (`stats_counts_span`), so a year's figure of a unit or a procedure sums a
row per key instead of one per key and day."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

Range = tuple[date, date]


@dataclass
class Cover:
    """Inclusive ranges of days, of months (by their first day) and of years (idem)."""

    days: list[Range] = field(default_factory=list)
    months: list[Range] = field(default_factory=list)
    years: list[Range] = field(default_factory=list)


def month_of(day: date) -> date:
    return day.replace(day=1)


def year_of(day: date) -> date:
    return day.replace(month=1, day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _merged(units: list[date], following: object) -> list[Range]:
    """Consecutive units as ranges of their first days."""
    out: list[Range] = []
    for unit in units:
        if out and following(out[-1][1]) == unit:  # type: ignore[operator]
            out[-1] = (out[-1][0], unit)
        else:
            out.append((unit, unit))
    return out


def cover(start: date, end: date, *, years: bool = True) -> Cover:
    """The rows that sum the days `start` … `end` (none when end < start); without
    `years`, months at most (a figure grouped by month)."""
    days: list[date] = []
    months: list[date] = []
    whole_years: list[date] = []
    day = start
    while day <= end:
        if years and (day.month, day.day) == (1, 1) and date(day.year, 12, 31) <= end:
            whole_years.append(day)
            if day.year == 9999:
                break
            day = date(day.year + 1, 1, 1)
        elif day.day == 1 and _next_month(day) - timedelta(days=1) <= end:
            months.append(day)
            day = _next_month(day)
        else:
            days.append(day)
            day += timedelta(days=1)
    return Cover(_merged(days, lambda d: d + timedelta(days=1)),
                 _merged(months, _next_month),
                 _merged(whole_years, lambda d: date(d.year + 1, 1, 1)))
