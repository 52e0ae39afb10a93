"""A time limit as the law publishes it (a number and a unit) and how it is added."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.calendar import (
    MAX_LIMIT_DAYS,
    MAX_LIMIT_MONTHS,
    WORKING_DAY_LENGTH,
    Calendar,
    add_calendar_days,
    add_months,
    add_working_hours,
)
from engine.errors import InvalidInput

UNITS = ("working_days", "working_hours", "calendar_days", "hours", "months")
# The longest limit in each unit: as far ahead as the calendar arithmetic looks.
MAX_VALUE = {"working_days": MAX_LIMIT_DAYS, "working_hours": MAX_LIMIT_DAYS * 24,
             "calendar_days": MAX_LIMIT_DAYS, "hours": MAX_LIMIT_DAYS * 24,
             "months": MAX_LIMIT_MONTHS}
_ISO = re.compile(r"^P(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@dataclass(frozen=True)
class Limit:
    value: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Limit:
        if not isinstance(data, dict):
            raise InvalidInput("invalid limit", errors=[{"field": path, "message": "an object "
                               "{value, unit} is required"}])
        errors = []
        value, unit = data.get("value"), data.get("unit")
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not math.isfinite(value) or value <= 0:
            errors.append({"field": f"{path}.value", "message": "a positive number"})
        elif unit in UNITS and value > MAX_VALUE[unit]:
            errors.append({"field": f"{path}.value",
                           "message": f"at most {MAX_VALUE[unit]} {unit}"})
        if unit not in UNITS:
            errors.append({"field": f"{path}.unit", "message": f"one of {', '.join(UNITS)}"})
        elif unit == "months" and isinstance(value, (int, float)) and math.isfinite(value) \
                and value != int(value):
            errors.append({"field": f"{path}.value", "message": "months must be whole"})
        if errors:
            raise InvalidInput("invalid limit", errors=errors)
        return cls(float(value), unit)  # type: ignore[arg-type]


def add_limit(cal: Calendar, start: datetime, limit: Limit, *, as_of: date | None = None
              ) -> datetime:
    """The instant `limit` after `start` on `cal` (DOMAIN.md §4 arithmetic)."""
    if limit.unit == "working_days":
        return add_working_hours(cal, start, WORKING_DAY_LENGTH * limit.value, as_of=as_of)
    if limit.unit == "working_hours":
        return add_working_hours(cal, start, timedelta(hours=limit.value), as_of=as_of)
    if limit.unit == "calendar_days":
        whole = int(limit.value)
        return add_calendar_days(cal, start, whole, as_of=as_of) if whole == limit.value else \
            start + timedelta(days=limit.value)
    if limit.unit == "months":
        return add_months(cal, start, int(limit.value), as_of=as_of)
    return start + timedelta(hours=limit.value)


def parse_budget(text: str, path: str = "stepBudget") -> Limit:
    """A step budget as a designer writes it in a BPMN property: `2 working_days`,
    `4 working_hours`, `3 calendar_days`, or an ISO duration counted in working time
    (`P2D` = 2 working days, `PT4H` = 4 working hours)."""
    raw = (text or "").strip()
    match = _ISO.match(raw)
    if match and raw != "P":
        months, weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
        if months:
            if weeks or days or hours or minutes:
                raise InvalidInput("invalid budget", errors=[{"field": path, "message":
                                   "months cannot be combined with other parts"}])
            return Limit.from_dict({"value": months, "unit": "months"}, path)
        total_hours = (weeks * 5 + days) * 8 + hours + minutes / 60
        if total_hours <= 0:
            raise InvalidInput("invalid budget", errors=[{"field": path, "message": "empty"}])
        return Limit.from_dict({"value": total_hours, "unit": "working_hours"}, path)
    parts = raw.split()
    if len(parts) == 2:
        try:
            return Limit.from_dict({"value": float(parts[0]), "unit": parts[1]}, path)
        except ValueError:
            pass
    raise InvalidInput("invalid budget", errors=[{"field": path, "message":
                       f"'{raw}' is not '<number> <unit>' ({', '.join(UNITS)}) or an ISO duration"}])
