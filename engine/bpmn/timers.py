"""Timer values: what modelling tools write versus what SpiffWorkflow evaluates.

SpiffWorkflow 3.2 evaluates every timeDate/timeDuration/timeCycle text as a *Python
expression* at run time (``script_engine.evaluate``) and parses the resulting string with
its own ISO 8601 helpers. Modelling tools write the bare ISO value (``P7D``), which Python
reads as a variable name (or, for ``R3/P1D``, as a division). We therefore quote bare ISO
values, validate them with the very parsers SpiffWorkflow will use, and leave real Python
expressions to the code checker.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.calendar import MAX_LIMIT_DAYS

TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
_DESCRIPTION = {
    "timeDate": "date-time (e.g. 2026-03-01T08:00:00+07:00)",
    "timeDuration": "duration (e.g. P7D, PT4H)",
    "timeCycle": "repeating interval (e.g. R3/P1D)",
}
# What an ISO value looks like, before we know whether it is a valid one.
_LOOKS_DURATION = re.compile(r"^P(?:\d|T\d)")
_LOOKS_CYCLE = re.compile(r"^R\d*/")
_LOOKS_DATE = re.compile(r"^\d{4}-?\d{2}")
# A date-time with an explicit UTC offset ("Z", "+07:00", "+0700", "+07").
_OFFSET = re.compile(r"T.*(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)
# Days per ISO duration designator, rounded up: enough to tell a duration that overflows
# the date arithmetic at run time from a plausible one.
_DAYS = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24,
         "minutes": 1 / 1440, "seconds": 1 / 86400}
_YEARS = MAX_LIMIT_DAYS // 366
_DURATION = re.compile(
    r"^P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?"
    r"(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$"
)


@dataclass(frozen=True)
class TimerVerdict:
    """What to do with one timer text: replace it, keep it, or report a problem."""

    text: str | None = None  # new text for the element, None to keep it
    problem: str | None = None


def looks_iso(value: str) -> bool:
    """True if `value` is meant as a literal ISO 8601 value rather than an expression."""
    return bool(
        _LOOKS_DURATION.match(value) or _LOOKS_CYCLE.match(value) or _LOOKS_DATE.match(value)
    )


def iso_problem(kind: str, value: str) -> str | None:
    """Why `value` is not a valid ISO 8601 value for a timer of `kind`, or None if it is."""
    want = f"timer {kind} needs an ISO 8601 {_DESCRIPTION[kind]}"
    try:
        if kind == "timeDuration":
            if not _DURATION.match(value):
                return f"{want}, got {value!r}"
            if _days(TimerEventDefinition.parse_iso_duration(value)) > MAX_LIMIT_DAYS:
                return f"timer {kind} {value!r} is longer than {_YEARS} years"
        elif kind == "timeDate":
            parsed = TimerEventDefinition.parse_time_or_duration(value)
            if not isinstance(parsed, datetime):
                return f"{want}, got the duration {value!r}; use timeDuration"
            if not _OFFSET.search(value):
                # SpiffWorkflow reads naive instants in the server's zone: a deadline for a
                # citizen must not move with the server, so insist on an explicit offset.
                return f"{want} with a UTC offset (e.g. +07:00), got {value!r}"
        else:
            if not _LOOKS_CYCLE.match(value):
                return f"{want}, got {value!r}"
            for part in value.upper().split("/")[1:]:
                if part.startswith("P") and _days(
                        TimerEventDefinition.parse_iso_duration(part)) > MAX_LIMIT_DAYS:
                    return f"timer {kind} {value!r} repeats after more than {_YEARS} years"
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow's helpers raise bare Exception/ValueError/AttributeError
        return f"{want}, got {value!r}"
    return None


def _days(parts: dict[str, float]) -> float:
    return sum(_DAYS.get(name, 0) * amount for name, amount in parts.items())


def judge_timer(kind: str, raw: str | None) -> TimerVerdict:
    """Decide how to normalise the text of one timeDate/timeDuration/timeCycle element."""
    value = (raw or "").strip()
    if not value:
        return TimerVerdict(problem=f"timer {kind} is empty")
    if looks_iso(value):
        problem = iso_problem(kind, value)
        if problem:
            return TimerVerdict(problem=problem)
        return TimerVerdict(text=json.dumps(value))
    try:
        tree = ast.parse(value, mode="eval")
    except SyntaxError:
        return TimerVerdict(
            problem=(
                f"timer {kind} {value!r} is neither an ISO 8601 {_DESCRIPTION[kind]} "
                "nor a Python expression"
            )
        )
    if isinstance(tree.body, ast.Constant) and isinstance(tree.body.value, str):
        # Already quoted: the string itself must still be valid for SpiffWorkflow.
        inner = tree.body.value.strip()
        problem = iso_problem(kind, inner)
        if problem:
            return TimerVerdict(problem=problem)
        return TimerVerdict(text=None if inner == tree.body.value else json.dumps(inner))
    if isinstance(tree.body, ast.Constant):
        return TimerVerdict(problem=f"timer {kind} must evaluate to an ISO 8601 string")
    # A real expression: the code checker judges it; surrounding blanks are dropped.
    return TimerVerdict(text=value if value != raw else None)
