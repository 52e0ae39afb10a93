"""Vietnam's working-time calendar: calendars as data, and the arithmetic of the statutory clock.

See `arithmetic` for the boundary rules (half-open opening hours, due at a closing time).
"""
from engine.calendar.arithmetic import (
    MAX_LIMIT_DAYS,
    MAX_LIMIT_MONTHS,
    WORKING_DAY_LENGTH,
    add_calendar_days,
    add_months,
    add_working_days,
    add_working_hours,
    is_closing,
    is_open,
    next_opening,
    to_local,
    working_time_between,
)
from engine.calendar.csvio import parse_overrides_csv
from engine.calendar.hours import WeeklyHours
from engine.calendar.model import DAY_OFF, WORKING_DAY, Calendar, Override
from engine.calendar.national import NATIONAL_ID, national_calendar
from engine.calendar.resolve import resolve
from engine.calendar.timeline import YEARS, in_years

__all__ = [
    "DAY_OFF",
    "MAX_LIMIT_DAYS",
    "MAX_LIMIT_MONTHS",
    "NATIONAL_ID",
    "WORKING_DAY",
    "WORKING_DAY_LENGTH",
    "YEARS",
    "Calendar",
    "Override",
    "WeeklyHours",
    "add_calendar_days",
    "add_months",
    "add_working_days",
    "add_working_hours",
    "in_years",
    "is_closing",
    "is_open",
    "national_calendar",
    "next_opening",
    "parse_overrides_csv",
    "resolve",
    "to_local",
    "working_time_between",
]
