"""Timers that count working time on the dossier's calendar.

A timer event carrying the extension property `timerCalendar` = `working` counts its ISO
duration in working time: `P2D` is two working days (8 working hours each), `PT4H` four
working hours, `P1M` one calendar month rolled to a working day. SpiffWorkflow computes a
wall-clock instant when the timer starts waiting; right after that step we replace it
with the instant on the calendar and mark it done, so it is computed once and persisted.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

from engine.deadlines.limits import Limit, add_limit

WORKING_VALUES = ("working", "working_time", "true", "yes")
_MARK = "motcua_working_time"


def is_working_timer(task_spec: Any) -> bool:
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    return str(props.get("timerCalendar", "")).lower() in WORKING_VALUES


def apply_working_timers(workflow: BpmnWorkflow, calendar: Any, now: datetime | None,
                         as_of: date | None) -> bool:
    """Re-time newly waiting working-time duration timers. Returns True if any changed."""
    changed = False
    start = now or datetime.now(UTC)
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, DurationTimerEventDefinition):
            continue
        if not is_working_timer(task.task_spec) or task._get_internal_data(_MARK):
            continue
        if task._get_internal_data("event_value") is None:
            continue
        expression = workflow.script_engine.evaluate(task, definition.expression)
        try:
            due = add_limit(calendar, start, _limit(expression), as_of=as_of)
        except ValueError as exc:  # e.g. longer than the calendar looks ahead
            raise WorkflowTaskException(f"working-time timer {expression!r}: {exc}",
                                        task=task, exception=exc) from exc
        task._set_internal_data(event_value=due.isoformat(), **{_MARK: True})
        changed = True
    return changed


def _limit(expression: str) -> Limit:
    parts = TimerEventDefinition.parse_iso_duration(expression)
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    if months:
        return Limit(months, "months")
    hours = (parts.get("weeks", 0) * 5 + parts.get("days", 0)) * 8 + parts.get("hours", 0) \
        + parts.get("minutes", 0) / 60 + parts.get("seconds", 0) / 3600
    return Limit(hours, "working_hours")
