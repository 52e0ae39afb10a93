"""Working-time arithmetic for the statutory clock.

Conventions (all functions):
- Instants are timezone-aware datetimes (naive input raises ValueError); results are in UTC.
  Use `to_local()` to show them in Vietnamese time.
- Open periods are half-open `[opening, closing)`: 07:00 is open, 11:30 and 17:00 are not.
- `as_of` picks the override rows that apply (`effective_from <= as_of`); it defaults to the
  local date of the (first) instant given. Chained computations for one dossier should pass the
  dossier's reception date explicitly so that every step uses the same rules.
- Due instants are never inside a closed period: a result is either open or exactly a closing
  time (the end of work, e.g. 11:30 or 17:00), except that adding zero returns the start as is.
"""
from __future__ import annotations

import calendar as _gregorian
import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from engine.calendar.model import DEFAULT_TIMEZONE, Calendar
from engine.calendar.timeline import MAX_YEARS, Compiled, Timeline, compiled, from_us, to_us

WORKING_DAY_LENGTH = timedelta(hours=8)
_DAY_US = 8 * 3600 * 1_000_000
# No limit reaches further than the calendar is ever searched: anything longer is refused
# with a clear error before any date arithmetic can overflow.
MAX_LIMIT_DAYS = MAX_YEARS * 366
MAX_LIMIT_MONTHS = MAX_YEARS * 12
TOO_LONG = f"a time limit longer than {MAX_YEARS} years is not supported"
_MAX_US = MAX_LIMIT_DAYS * 86_400 * 1_000_000


def to_local(instant: datetime, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """The instant in local time (Asia/Ho_Chi_Minh unless told otherwise)."""
    to_us(instant)  # refuses naive input
    return instant.astimezone(ZoneInfo(timezone))


def _setup(cal: Calendar, instant: datetime, as_of: date | None) -> tuple[Compiled, int, int, int]:
    p = to_us(instant)
    c = compiled(cal)
    local = instant.astimezone(c.tz)
    return c, c.version(as_of if as_of is not None else local.date()), p, local.year


def _amount_us(value: timedelta | float, unit_us: int) -> int:
    if isinstance(value, timedelta):
        us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        scaled = value * unit_us
        if not -_MAX_US <= scaled <= _MAX_US:  # also catches a product overflowing to inf
            raise ValueError("a time limit cannot be negative" if scaled < 0 else TOO_LONG)
        us = round(scaled)
    else:
        raise ValueError(f"expected a finite number or timedelta, got {value!r}")
    if us < 0:
        raise ValueError("a time limit cannot be negative")
    if us > _MAX_US:
        raise ValueError(TOO_LONG)
    return us


def _add_us(c: Compiled, version: int, p: int, year: int, amount: int) -> int:
    """The earliest instant t >= p with `amount` working microseconds in [p, t]."""
    if amount == 0:
        return p
    span = 1
    while True:
        tl = c.timeline(version, year, year + span)
        target = tl.work_at(p) + amount
        if target <= tl.total:
            return tl.instant_at(target)
        if span > MAX_YEARS:
            raise ValueError(f"calendar {c.cal.id!r} has not enough working time ahead")
        span *= 2


def add_working_hours(cal: Calendar, start: datetime, hours: timedelta | float, *,
                      as_of: date | None = None) -> datetime:
    """The due instant `hours` working hours after `start`.

    Precisely: the earliest instant t >= start such that working_time_between(start, t) equals
    `hours`. Closed time is skipped, so a start outside hours counts from the next opening; a
    limit that is used up exactly at a closing time is due at that closing time (17:00 Monday,
    not 07:00 Tuesday).
    """
    amount = _amount_us(hours, 3600 * 1_000_000)
    c, version, p, year = _setup(cal, start, as_of)
    return from_us(_add_us(c, version, p, year, amount))


def add_working_days(cal: Calendar, start: datetime, n: float, *,
                     as_of: date | None = None) -> datetime:
    """`n` working days of 8 working hours each, added along the calendar: 1 working day from
    15:00 on a working day is due 15:00 on the next working day; from Saturday it is due at
    17:00 on Monday."""
    amount = _amount_us(n, _DAY_US)
    c, version, p, year = _setup(cal, start, as_of)
    return from_us(_add_us(c, version, p, year, amount))


def working_time_between(cal: Calendar, a: datetime, b: datetime, *,
                         as_of: date | None = None) -> timedelta:
    """The working time in [a, b] (a <= b), e.g. time used or time left on a dossier."""
    c, version, pa, year = _setup(cal, a, as_of)
    pb = to_us(b)
    if pb < pa:
        raise ValueError("working_time_between needs a <= b")
    tl = c.timeline(version, year, year)
    if pb >= tl.hi:
        tl = c.timeline(version, year, b.astimezone(c.tz).year)
    return timedelta(microseconds=tl.work_at(pb) - tl.work_at(pa))


def _state(c: Compiled, version: int, p: int, year: int) -> tuple[Timeline, int]:
    tl = c.timeline(version, year, year)
    return tl, tl.locate(p)


def is_open(cal: Calendar, instant: datetime, *, as_of: date | None = None) -> bool:
    """Whether the office is open at `instant` (openings are open, closings are not)."""
    c, version, p, year = _setup(cal, instant, as_of)
    tl, i = _state(c, version, p, year)
    return i >= 0 and p < tl.ends[i]


def is_closing(cal: Calendar, instant: datetime, *, as_of: date | None = None) -> bool:
    """Whether `instant` is exactly a closing time (the end of an open period)."""
    c, version, p, year = _setup(cal, instant, as_of)
    tl, i = _state(c, version, p, year)
    return i >= 0 and p == tl.ends[i]


def _next_opening_us(c: Compiled, version: int, p: int, year: int) -> int:
    span = 0
    while True:
        tl = c.timeline(version, year, year + span)
        i = tl.locate(p)
        if i >= 0 and p < tl.ends[i]:
            return p
        if i + 1 < len(tl.starts):
            return tl.starts[i + 1]
        if span > MAX_YEARS:
            raise ValueError(f"calendar {c.cal.id!r} never opens again")
        span = span * 2 or 1


def next_opening(cal: Calendar, instant: datetime, *, as_of: date | None = None) -> datetime:
    """`instant` itself if the office is open then, else the next opening time."""
    c, version, p, year = _setup(cal, instant, as_of)
    return from_us(_next_opening_us(c, version, p, year))


def _roll_forward(c: Compiled, version: int, end_local: datetime) -> datetime:
    p = to_us(end_local)
    tl, i = _state(c, version, p, end_local.year)
    if i >= 0 and p <= tl.ends[i]:  # open, or exactly a closing time
        return from_us(p)
    return from_us(_next_opening_us(c, version, p, end_local.year))


def add_calendar_days(cal: Calendar, start: datetime, n: int, *,
                      as_of: date | None = None) -> datetime:
    """`n` calendar days later at the same local time; if that instant is not open (a weekend,
    holiday, night or lunch break) the due instant rolls forward to the next opening. A
    closing time itself (e.g. 17:00) stays as it is."""
    if n < 0:
        raise ValueError("a time limit cannot be negative")
    if n > MAX_LIMIT_DAYS:
        raise ValueError(TOO_LONG)
    c, version, _, _ = _setup(cal, start, as_of)
    local = start.astimezone(c.tz)
    # Wall-clock arithmetic: same local time n days later, then normalised by astimezone.
    end = (local.replace(tzinfo=None) + timedelta(days=n)).replace(tzinfo=c.tz)
    return _roll_forward(c, version, end)


def add_months(cal: Calendar, start: datetime, n: int, *, as_of: date | None = None) -> datetime:
    """`n` calendar months later, same local time, the day clipped to the month's length
    (31 Jan + 1 month = 28/29 Feb); then rolled forward like `add_calendar_days`."""
    if n < 0:
        raise ValueError("a time limit cannot be negative")
    if n > MAX_LIMIT_MONTHS:
        raise ValueError(TOO_LONG)
    c, version, _, _ = _setup(cal, start, as_of)
    local = start.astimezone(c.tz)
    month0 = local.month - 1 + n
    year, month = local.year + month0 // 12, month0 % 12 + 1
    day = min(local.day, _gregorian.monthrange(year, month)[1])
    end = local.replace(tzinfo=None, year=year, month=month, day=day).replace(tzinfo=c.tz)
    return _roll_forward(c, version, end)
