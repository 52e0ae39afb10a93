"""Compiled working time: the open intervals of a calendar as sorted integer microseconds.

For one calendar and one set of applicable override rows (a "version", fixed by `as_of`) we
build, lazily and per range of local years, three parallel lists: interval starts, interval ends
(UTC microseconds since the epoch) and the cumulative working time at each interval's end. Every
question of the arithmetic is then one or two `bisect` calls. Day intervals are cached by date,
and national holidays by year, so nothing is re-derived per call.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from engine.calendar.model import DAY_OFF, Calendar, Override

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_SECOND = 1_000_000
MAX_YEARS = 50  # a calendar with no working time within this span is an error, not a hang
# The years the arithmetic counts in: far enough from datetime's own bounds (1 and 9999)
# that no local conversion or limit added can leave them.
FIRST_YEAR, LAST_YEAR = 1900, 9000
YEARS = f"an instant in the years {FIRST_YEAR}-{LAST_YEAR}"


def in_years(instant: datetime) -> bool:
    """The instant lies in the years the arithmetic counts in (see YEARS)."""
    return FIRST_YEAR <= instant.year <= LAST_YEAR


def to_us(instant: datetime) -> int:
    """Microseconds since the epoch of a timezone-aware instant; naive input is refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got {instant!r}")
    if not in_years(instant):
        raise ValueError(f"{YEARS} is required, got {instant.isoformat()}")
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@lru_cache(maxsize=512)
def national_days_off(year: int) -> frozenset[date]:
    """Days off of `holidays.VN` for one year (observed and substituted days included)."""
    return frozenset(holidays.country_holidays("VN", years=year).keys())


class Timeline:
    """An immutable snapshot of the open intervals of local years `lo_year..hi_year`."""

    __slots__ = ("cum_end", "ends", "hi", "hi_year", "lo", "lo_year", "starts")

    def __init__(self, lo_year: int, hi_year: int, lo: int, hi: int,
                 starts: list[int], ends: list[int]) -> None:
        self.lo_year, self.hi_year, self.lo, self.hi = lo_year, hi_year, lo, hi
        self.starts, self.ends = starts, ends
        cum_end, total = [], 0
        for a, b in zip(starts, ends):
            total += b - a
            cum_end.append(total)
        self.cum_end = cum_end

    @property
    def total(self) -> int:
        return self.cum_end[-1] if self.cum_end else 0

    def work_at(self, p: int) -> int:
        """Working microseconds from the start of the snapshot up to instant `p`."""
        i = bisect_right(self.starts, p) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum_end[i] - (end - p if p < end else 0)

    def instant_at(self, w: int) -> int:
        """The earliest instant at which `w > 0` working microseconds have elapsed. It is inside
        an open interval or exactly at its end (a closing time), never at an opening."""
        i = bisect_left(self.cum_end, w)
        return self.ends[i] - (self.cum_end[i] - w)

    def locate(self, p: int) -> int:
        """Index of the last interval starting at or before `p` (-1 if none)."""
        return bisect_right(self.starts, p) - 1


class Compiled:
    """Per-calendar cache of versions, day intervals and timelines (stored on the calendar)."""

    def __init__(self, cal: Calendar) -> None:
        self.cal = cal
        self.tz = ZoneInfo(cal.timezone)
        self.cuts = sorted({o.effective_from for o in cal.overrides})
        self._rules: dict[int, dict[date, Override]] = {}
        self._days: dict[tuple[int, date], list[tuple[int, int]]] = {}
        self._timelines: dict[int, Timeline] = {}
        self._lock = Lock()

    def version(self, as_of: date) -> int:
        """Rows with `effective_from <= as_of` apply; equal counts mean equal rule sets."""
        return bisect_right(self.cuts, as_of)

    def rules(self, version: int) -> dict[date, Override]:
        rules = self._rules.get(version)
        if rules is None:
            rules = {}
            if version:
                cut = self.cuts[version - 1]
                # Stable sort: the latest effective_from wins; ties go to the later row.
                for row in sorted(self.cal.overrides, key=lambda o: o.effective_from):
                    if row.effective_from <= cut:
                        rules[row.date] = row
            self._rules[version] = rules
        return rules

    def day(self, version: int, day: date) -> list[tuple[int, int]]:
        """The open intervals of one local date as UTC microseconds (cached by date)."""
        key = (version, day)
        cached = self._days.get(key)
        if cached is not None:
            return cached
        cal = self.cal
        row = self.rules(version).get(day)
        if row is not None:
            if row.kind == DAY_OFF:
                hours: Any = ()
            else:
                hours = row.hours or cal.weekly.for_date(day) or cal.weekly.workday_fallback()
        elif cal.use_national_holidays and day in national_days_off(day.year):
            hours = ()
        else:
            hours = cal.weekly.for_date(day)
        result = [(to_us(datetime.combine(day, a, self.tz)), to_us(datetime.combine(day, b, self.tz)))
                  for a, b in hours]
        self._days[key] = result
        return result

    def timeline(self, version: int, lo_year: int, hi_year: int) -> Timeline:
        """A snapshot covering at least local years `lo_year..hi_year`."""
        tl = self._timelines.get(version)
        if tl is not None and tl.lo_year <= lo_year and hi_year <= tl.hi_year:
            return tl
        with self._lock:
            tl = self._timelines.get(version)
            if tl is not None:
                if tl.lo_year <= lo_year and hi_year <= tl.hi_year:
                    return tl
                lo_year, hi_year = min(lo_year, tl.lo_year), max(hi_year, tl.hi_year)
            tl = self._build(version, max(lo_year, 1), min(hi_year, 9998))
            self._timelines[version] = tl
            return tl

    def _build(self, version: int, lo_year: int, hi_year: int) -> Timeline:
        starts: list[int] = []
        ends: list[int] = []
        day = date(lo_year, 1, 1)
        last = date(hi_year, 12, 31)
        one = timedelta(days=1)
        while day <= last:
            for a, b in self.day(version, day):
                if ends and ends[-1] >= a:  # touching intervals are one open period
                    ends[-1] = max(ends[-1], b)
                else:
                    starts.append(a)
                    ends.append(b)
            day += one
        lo = to_us(datetime.combine(date(lo_year, 1, 1), datetime.min.time(), self.tz))
        hi = to_us(datetime.combine(last + one, datetime.min.time(), self.tz))
        return Timeline(lo_year, hi_year, lo, hi, starts, ends)


def compiled(cal: Calendar) -> Compiled:
    c = cal._cache.get("compiled")
    if c is None:
        c = cal._cache.setdefault("compiled", Compiled(cal))
    return c  # type: ignore[no-any-return]
