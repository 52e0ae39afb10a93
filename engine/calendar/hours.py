"""Opening hours: intervals of local wall-clock time, and the weekly pattern."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from engine.errors import InvalidInput

Interval = tuple[time, time]
Intervals = tuple[Interval, ...]

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_OFFICE: Intervals = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
DEFAULT_DAYS: tuple[Intervals, ...] = (_OFFICE,) * 5 + ((), ())


def parse_time(text: str) -> time:
    """Parse `HH:MM` or `HH:MM:SS` (24-hour clock); raise ValueError otherwise."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(len(p) == 2 and p.isdigit() for p in parts):
        raise ValueError(f"expected HH:MM, got {text!r}")
    numbers = [int(p) for p in parts]
    return time(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0)


def format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def check_intervals(intervals: Intervals, path: str) -> list[dict[str, Any]]:
    """Errors for intervals that are not open<close, sorted and non-overlapping."""
    errors: list[dict[str, Any]] = []
    previous_close: time | None = None
    for i, (opens, closes) in enumerate(intervals):
        here = f"{path}[{i}]"
        if not opens < closes:
            errors.append({"field": here, "message": "opening time must be before closing time"})
        if previous_close is not None and opens < previous_close:
            errors.append({"field": here, "message": "intervals must be sorted, not overlapping"})
        previous_close = closes
    return errors


def parse_intervals(value: Any, path: str, errors: list[dict[str, Any]]) -> Intervals | None:
    """Read `[["07:00", "11:30"], ...]`; append errors naming `path` and return None if bad."""
    if not isinstance(value, (list, tuple)):
        errors.append({"field": path, "message": "expected a list of [open, close] pairs"})
        return None
    result: list[Interval] = []
    for i, pair in enumerate(value):
        here = f"{path}[{i}]"
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            errors.append({"field": here, "message": "expected a pair [open, close]"})
            return None
        try:
            result.append((parse_time(str(pair[0])), parse_time(str(pair[1]))))
        except ValueError as exc:
            errors.append({"field": here, "message": str(exc)})
            return None
    intervals = tuple(result)
    problems = check_intervals(intervals, path)
    if problems:
        errors.extend(problems)
        return None
    return intervals


def intervals_to_json(intervals: Intervals) -> list[list[str]]:
    return [[format_time(a), format_time(b)] for a, b in intervals]


@dataclass(frozen=True)
class WeeklyHours:
    """Open intervals per weekday (index 0 = Monday .. 6 = Sunday), in local time.

    The default is the usual office week: Monday-Friday 07:00-11:30 and 13:30-17:00.
    """

    days: tuple[Intervals, ...] = DEFAULT_DAYS

    def __post_init__(self) -> None:
        days = tuple(tuple((a, b) for a, b in day) for day in self.days)
        object.__setattr__(self, "days", days)
        if len(days) != 7:
            raise InvalidInput("weekly hours need 7 days",
                               errors=[{"field": "weekly", "message": "expected 7 weekdays"}])
        errors: list[dict[str, Any]] = []
        for key, day in zip(WEEKDAY_KEYS, days):
            errors += check_intervals(day, f"weekly.{key}")
        if errors:
            raise InvalidInput("invalid weekly hours", errors=errors)

    def for_date(self, day: date) -> Intervals:
        return self.days[day.weekday()]

    def workday_fallback(self) -> Intervals:
        """Hours for a swapped working day that falls on a closed weekday: the first of
        Monday-Friday that has hours (Monday with the default pattern)."""
        for day in self.days[:5]:
            if day:
                return day
        return _OFFICE

    def to_dict(self) -> dict[str, list[list[str]]]:
        return {key: intervals_to_json(day) for key, day in zip(WEEKDAY_KEYS, self.days)}

    @classmethod
    def from_dict(cls, data: Any, path: str = "weekly") -> WeeklyHours:
        """Read `{"mon": [["07:00", "11:30"], ...], ...}`; a missing weekday is closed."""
        errors: list[dict[str, Any]] = []
        if not isinstance(data, dict):
            raise InvalidInput("invalid weekly hours",
                               errors=[{"field": path, "message": "expected an object"}])
        for key in data:
            if key not in WEEKDAY_KEYS:
                errors.append({"field": f"{path}.{key}", "message": "unknown weekday"})
        days = [parse_intervals(data.get(key, []), f"{path}.{key}", errors) for key in WEEKDAY_KEYS]
        if errors:
            raise InvalidInput("invalid weekly hours", errors=errors)
        return cls(tuple(d or () for d in days))
