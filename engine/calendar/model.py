"""The calendar as data: a weekly pattern, national holidays and dated override rows.

Precedence on one date: an applicable override row, else a national holiday (when
`use_national_holidays`), else the weekly pattern. A row is applicable to a computation when its
`effective_from <= as_of`; among the applicable rows for a date the one with the latest
`effective_from` wins (ties: the later row in the list).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from engine.calendar.hours import (
    Intervals,
    WeeklyHours,
    check_intervals,
    intervals_to_json,
    parse_intervals,
)
from engine.errors import InvalidInput

DAY_OFF = "day_off"
WORKING_DAY = "working_day"
KINDS = (DAY_OFF, WORKING_DAY)
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def _fail(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", errors=[{"field": path, "message": message}])


@dataclass(frozen=True)
class Override:
    """One dated exception to the weekly pattern, e.g. a swapped working Saturday.

    A `working_day` row without `hours` opens with that weekday's normal hours, or, on a
    weekday that is normally closed, with the hours of a Monday-Friday day.
    """

    date: _dt.date
    kind: str
    reason: str
    effective_from: _dt.date
    hours: Intervals | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise _fail("kind", f"must be one of {', '.join(KINDS)}")
        if self.hours is not None:
            hours = tuple((a, b) for a, b in self.hours)
            object.__setattr__(self, "hours", hours)
            if self.kind != WORKING_DAY:
                raise _fail("hours", "only a working_day row may give hours")
            errors = check_intervals(hours, "hours")
            if errors:
                raise InvalidInput("invalid hours", errors=errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "reason": self.reason,
            "effective_from": self.effective_from.isoformat(),
            "hours": None if self.hours is None else intervals_to_json(self.hours),
        }

    @classmethod
    def from_dict(cls, data: Any, path: str = "") -> Override:
        prefix = f"{path}." if path else ""
        if not isinstance(data, dict):
            raise _fail(path or "override", "expected an object")
        errors: list[dict[str, Any]] = []
        day = parse_date(data.get("date"), prefix + "date", errors)
        since = parse_date(data.get("effective_from"), prefix + "effective_from", errors)
        kind = data.get("kind")
        if kind not in KINDS:
            errors.append({"field": prefix + "kind", "message": f"must be one of {', '.join(KINDS)}"})
        reason = data.get("reason", "")
        if not isinstance(reason, str):
            errors.append({"field": prefix + "reason", "message": "expected a string"})
        hours = None
        if data.get("hours") is not None:
            hours = parse_intervals(data["hours"], prefix + "hours", errors)
            if kind == DAY_OFF:
                errors.append({"field": prefix + "hours",
                               "message": "only a working_day row may give hours"})
        if errors:
            raise InvalidInput("invalid override", errors=errors)
        assert day is not None and since is not None
        return cls(day, str(kind), reason, since, hours)


def parse_date(value: Any, path: str, errors: list[dict[str, Any]]) -> date | None:
    """Read an ISO date string; append an error naming `path` and return None if bad."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.append({"field": path, "message": "expected a date YYYY-MM-DD"})
    return None


@dataclass(frozen=True)
class Calendar:
    """A working-time calendar. A province calendar names its `parent` (usually `vn`, the
    national one); `resolve()` merges the chain into one self-contained calendar.
    """

    id: str
    name: str = ""
    parent: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    weekly: WeeklyHours = field(default_factory=WeeklyHours)
    use_national_holidays: bool = True
    overrides: tuple[Override, ...] = ()
    # Compiled working-time tables (see timeline.py); per instance, never compared or serialised.
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False,
                                   hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", tuple(self.overrides))
        if not self.id:
            raise _fail("id", "must not be empty")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, KeyError, OSError):
            raise _fail("timezone", f"unknown time zone {self.timezone!r}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "parent": self.parent,
            "timezone": self.timezone,
            "weekly": self.weekly.to_dict(),
            "use_national_holidays": self.use_national_holidays,
            "overrides": [o.to_dict() for o in self.overrides],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Calendar:
        if not isinstance(data, dict):
            raise _fail("$", "expected an object")
        errors: list[dict[str, Any]] = []
        ident = data.get("id")
        if not isinstance(ident, str) or not ident:
            errors.append({"field": "id", "message": "expected a non-empty string"})
        name = data.get("name", "")
        if not isinstance(name, str):
            errors.append({"field": "name", "message": "expected a string"})
        parent = data.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent):
            errors.append({"field": "parent", "message": "expected a calendar id or null"})
        tz = data.get("timezone", DEFAULT_TIMEZONE)
        try:
            ZoneInfo(tz)
        except (ValueError, KeyError, OSError, TypeError):
            errors.append({"field": "timezone", "message": f"unknown time zone {tz!r}"})
        national = data.get("use_national_holidays", True)
        if not isinstance(national, bool):
            errors.append({"field": "use_national_holidays", "message": "expected true or false"})
        weekly = WeeklyHours()
        if "weekly" in data:
            try:
                weekly = WeeklyHours.from_dict(data["weekly"])
            except InvalidInput as exc:
                errors += exc.errors
        overrides: list[Override] = []
        rows = data.get("overrides", [])
        if not isinstance(rows, list):
            errors.append({"field": "overrides", "message": "expected a list"})
            rows = []
        for i, row in enumerate(rows):
            try:
                overrides.append(Override.from_dict(row, f"overrides[{i}]"))
            except InvalidInput as exc:
                errors += exc.errors
        if errors:
            raise InvalidInput("invalid calendar", errors=errors)
        return cls(str(ident), name, parent, tz, weekly, national, tuple(overrides))
