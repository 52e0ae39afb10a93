"""The statutory clock of each dossier: start, pauses, timeliness crossings, wake-ups.

Called inside the unit of work of the command that moved the dossier; the calendar is
resolved before any row lock is taken (it never changes during a dossier's life).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from engine.calendar import add_working_hours, working_time_between
from engine.codes import LOCAL_TZ
from engine.deadlines import Limit, Procedure, add_limit, classify_finished, classify_open
from engine.deadlines.limits import parse_budget
from engine.errors import InvalidInput
from engine.runtime import Instance, UserTask
from engine.services.design.calendars import resolved_calendar
from engine.store.records import DossierRow, TaskRow

NATIONAL = "vn"


CALENDAR_TTL = 10.0  # seconds a process reuses a resolved calendar before looking again


def calendar_of(ctx: Any, province: str, calendar_id: str | None, *, repo: Any = None) -> Any:
    """The dossier's calendar, merged with its parents (the national one by default).
    Inside a unit of work pass its `repo`: the lookup then joins that transaction.

    Reused for CALENDAR_TTL seconds per process, which saves a query per command; an edited
    calendar reaches every process within that time."""
    key = (province, calendar_id or NATIONAL)
    hit = ctx.calendars.get(key)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    found = resolved_calendar(ctx, province, calendar_id or NATIONAL, repo=repo)
    ctx.calendars[key] = (found, time.monotonic() + CALENDAR_TTL)
    return found


def received_day(dossier: DossierRow) -> Any:
    return dossier.received_at.astimezone(LOCAL_TZ).date()


class CalendarUnusable(InvalidInput):
    code = "calendar-unusable"


def start_clock(dossier: DossierRow, procedure: Procedure | None, cal: Any,
                record: Any, *, start: datetime | None = None) -> None:
    """Compute the statutory due instant from `start` (reception by default, or the moment
    the process reaches an element marked `startsClock`), by the rules in force on the day
    the dossier was received."""
    if procedure is None:
        return
    start = start or dossier.received_at
    day = received_day(dossier)
    rule = procedure.rule_for(day)
    if rule is None:
        return
    limit = rule.limit_for(dossier.channel)
    if limit is None:
        return
    dossier.procedure_code = procedure.code
    try:
        due = add_limit(cal, start, limit, as_of=day)
        warn_at = _warn_at(cal, start, due, rule.warning, day)
    except ValueError as exc:
        # A calendar with no working time ahead (e.g. every day made a day off): the
        # command is refused, nothing is stored, and the province can mend its calendar.
        raise CalendarUnusable(f"the statutory limit cannot be counted on calendar "
                               f"{dossier.calendar_id}: {exc}", errors=[{
                                   "field": "calendar", "message": str(exc)}]) from None
    dossier.due_at = due
    dossier.warn_at = warn_at
    dossier.timeliness = classify_open(start, due, dossier.warn_at)
    record("clock.started", payload={"started_at": start.isoformat(),
        "limit": limit.to_dict(), "channel": dossier.channel, "calendar": dossier.calendar_id,
        "rules_effective_from": rule.effective_from.isoformat(),
        "due_at": due.isoformat(), "warn_at": dossier.warn_at.isoformat()
        if dossier.warn_at else None})


def _warn_at(cal: Any, start: datetime, due: datetime, warning: Limit | None, day: Any
             ) -> datetime | None:
    if warning is None:
        return None
    if warning.unit in ("working_days", "working_hours"):
        hours = warning.value * (8 if warning.unit == "working_days" else 1)
        total = working_time_between(cal, start, due, as_of=day)
        remaining = total - timedelta(hours=hours)
        return add_working_hours(cal, start, remaining, as_of=day) if remaining > timedelta(0) \
            else start
    span = add_limit(cal, start, warning, as_of=day) - start
    return max(start, due - span)


def update_clock(dossier: DossierRow, instance: Instance, cal: Any, now: datetime,
                 record: Any) -> None:
    """Pauses, resumption, timeliness crossings and the final class, after a step."""
    day = received_day(dossier)
    pausing = instance.pausing() if not instance.finished else []
    if pausing and dossier.paused_since is None:
        dossier.paused_since = now
        element, reason, supplement = pausing[0]
        if supplement:  # pause_count counts supplement requests (the index's "more than one")
            dossier.pause_count = (dossier.pause_count or 0) + 1
        record("clock.paused", element_id=element, payload={
            "reason": reason, "supplement": supplement,
            "pause_number": dossier.pause_count or 0,
            "repeated": supplement and (dossier.pause_count or 0) > 1})
    elif not pausing and dossier.paused_since is not None:
        paused = working_time_between(cal, dossier.paused_since, now, as_of=day)
        dossier.paused_hours = (dossier.paused_hours or 0.0) + paused.total_seconds() / 3600
        old_due = dossier.due_at
        if dossier.due_at is not None:
            dossier.due_at = add_working_hours(cal, dossier.due_at, paused, as_of=day)
        if dossier.warn_at is not None:
            dossier.warn_at = add_working_hours(cal, dossier.warn_at, paused, as_of=day)
        dossier.paused_since = None
        record("clock.resumed", payload={
            "paused_working_hours": round(paused.total_seconds() / 3600, 4),
            "old_due_at": old_due.isoformat() if old_due else None,
            "due_at": dossier.due_at.isoformat() if dossier.due_at else None})

    if dossier.due_at is None:
        return
    if instance.finished or instance.error:
        if instance.finished:
            dossier.timeliness = classify_finished(now, dossier.due_at)
            record("clock.stopped", payload={"timeliness": dossier.timeliness})
        return
    check_crossing(dossier, now, record)


def check_crossing(dossier: DossierRow, now: datetime, record: Any) -> None:
    """Record entering `approaching` or `overdue` (never while the clock is paused)."""
    if dossier.paused_since is not None or dossier.status != "in_process":
        return
    current = classify_open(now, dossier.due_at, dossier.warn_at)
    if current != dossier.timeliness and current in ("approaching", "overdue"):
        record(f"timeliness.{current}", payload={"due_at": dossier.due_at.isoformat()
                                                 if dossier.due_at else None})
    dossier.timeliness = current


def next_clock_event(dossier: DossierRow) -> datetime | None:
    """When the dossier next crosses into approaching or overdue (None while paused)."""
    due: datetime | None = dossier.due_at
    warn: datetime | None = dossier.warn_at
    if dossier.paused_since is not None or due is None or dossier.status != "in_process":
        return None
    if dossier.timeliness == "within_time" and warn is not None:
        return warn
    if dossier.timeliness in ("within_time", "approaching"):
        return due + timedelta(microseconds=1)
    return None


def step_due(cal: Any, view: UserTask, now: datetime, day: Any) -> tuple[datetime | None,
                                                                         datetime | None]:
    """A user task's own due instant from its `stepBudget`, and its warning instant
    (when three quarters of the budget are used)."""
    if not view.budget:
        return None, None
    try:
        limit = parse_budget(view.budget, f"{view.element_id}.stepBudget")
        due = add_limit(cal, now, limit, as_of=day)
    except (InvalidInput, ValueError):  # refused at deploy since; the task runs untimed
        return None, None
    if limit.unit in ("working_days", "working_hours"):
        hours = limit.value * (8 if limit.unit == "working_days" else 1)
        return due, add_working_hours(cal, now, timedelta(hours=hours * 0.75), as_of=day)
    return due, now + (due - now) * 0.75


def task_timeliness(task: TaskRow, now: datetime) -> str | None:
    if task.status == "open":
        return classify_open(now, task.due_at, task.warn_at)
    if task.status == "completed" and task.completed_at is not None:
        return classify_finished(task.completed_at, task.due_at)
    return None


def remaining_working_hours(ctx: Any, dossier: DossierRow, now: datetime) -> float | None:
    """Working hours left on the statutory clock until the due instant, on the dossier's
    calendar (negative: working hours past it); while the clock is paused, what was left
    when it paused (the due instant moves on when it resumes). None for a dossier without a
    running clock (not yet started, or ended)."""
    due: datetime | None = dossier.due_at
    if due is None or dossier.status != "in_process":
        return None
    at = dossier.paused_since or now
    day = received_day(dossier)
    try:
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id)
        left = working_time_between(cal, at, due, as_of=day) if at <= due \
            else -working_time_between(cal, due, at, as_of=day)
    except ValueError:  # an instant beyond the calendar's years
        return None
    return round(left.total_seconds() / 3600, 2)


def dossier_timeliness(dossier: DossierRow, now: datetime) -> str | None:
    """The class to show now: finished dossiers keep theirs; open ones are judged now."""
    if dossier.status == "in_process" and dossier.paused_since is None:
        return classify_open(now, dossier.due_at, dossier.warn_at)
    recorded: str | None = dossier.timeliness
    return recorded
