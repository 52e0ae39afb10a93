"""Auditors re-execute a dossier's history (engine.services.records.reexecute): as part of
verifying its record, and to see the dossier as it stood after any one of its events."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import jsoncodec
from engine.access import Action, Caller
from engine.deadlines import classify_open
from engine.errors import InvalidInput
from engine.runtime.digest import waiting_elements
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow.dossiers import find_dossier
from engine.services.flow.instances import load_instance
from engine.services.flow.statutory import calendar_of, received_day, step_due
from engine.services.records.reexecute import Diverged, Reexecution, Runtime
from engine.store.models import Dossier, HistoryEvent
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class Reexecuted:
    """What re-executing a whole history found."""

    first_divergence: dict[str, Any] | None
    steps_compared: int
    digests_compared: int

    @property
    def intact(self) -> bool:
        return self.first_divergence is None


@dataclass(frozen=True)
class OpenStep:
    element_id: str
    name: str | None
    ready_since: datetime
    due_at: datetime | None
    warn_at: datetime | None


@dataclass(frozen=True)
class Moment:
    """The dossier as it stood after event `seq` (and the rest of the command that wrote
    it, up to `through_seq`: a command's events are one transaction)."""

    code: str
    seq: int
    through_seq: int
    at: datetime
    version: int
    status: str
    data: dict[str, Any]
    steps: list[OpenStep]
    waiting_messages: list[str]
    due_at: datetime | None
    warn_at: datetime | None
    paused: bool
    pause_count: int
    timeliness: str | None
    new_appointment_at: datetime | None
    finished_at: datetime | None
    first_divergence: dict[str, Any] | None
    path: Passage


@dataclass(frozen=True)
class Passage:
    """The diagram's elements as of a moment: those the record says ran (with how many
    times: loops pass more than once), and those the re-execution waits at."""

    completed: dict[str, int]
    active: list[str]


def reexecute(ctx: Context, uow: UnitOfWork, dossier: Dossier, events: list[HistoryEvent]
              ) -> Reexecuted:
    """Re-execute the whole history and compare it with the record and the stored state."""
    run = Reexecution(_runtime(ctx, uow, dossier))
    try:
        for event in events:
            run.take(event)
        run.end(dossier.status, _stored_data(ctx, uow, dossier))
    except Diverged as found:
        return Reexecuted(found.as_dict(), run.steps_compared, run.digests_compared)
    return Reexecuted(None, run.steps_compared, run.digests_compared)


def replay(ctx: Context, caller: Caller, code: str, seq: int) -> Moment:
    """The dossier as it stood after event `seq`, re-executed from its history (who may
    read the history may replay it)."""
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_HISTORY)
        events = list(uow.repo.history(dossier.id))
        if not 1 <= seq <= len(events):
            raise InvalidInput(f"dossier {code} has {len(events)} events", errors=[{
                "field": "seq", "message": f"must be between 1 and {len(events)}"}])
        rt = _runtime(ctx, uow, dossier)
    run = Reexecution(rt)
    divergence = None
    through = seq
    try:
        for event in events[:seq]:
            run.take(event)
        for event in events[seq:]:
            if not run.belongs(event):
                break
            run.take(event)
            through = event.seq
    except Diverged as found:
        divergence = found.as_dict()
    return _moment(dossier.code, run, rt, seq, through, divergence,
                   _passage(events[:through], run))


def _passage(events: list[HistoryEvent], run: Reexecution) -> Passage:
    """The recorded steps up to the moment, and where the re-run's instance waits then."""
    done = Counter(e.element_id for e in events if e.kind == "step.completed" and e.element_id)
    waiting: list[str] = []
    if run.instance is not None and run.status == "in_process":
        waiting = sorted(set(waiting_elements(run.instance.workflow)))
    return Passage(dict(done), waiting)


def _moment(code: str, run: Reexecution, rt: Runtime, seq: int, through: int,
            divergence: dict[str, Any] | None, path: Passage) -> Moment:
    instance, clock = run.instance, run.clock
    at = run.at
    assert at is not None
    steps = []
    if instance is not None and run.status == "in_process":
        for task in instance.user_tasks():
            since = run.ready_since.get(task.task_id, at)
            due, warn = step_due(rt.calendar, task, since, rt.received_day)
            steps.append(OpenStep(task.element_id, task.name, since, due, warn))
    timeliness = clock.timeliness
    if run.status == "in_process" and clock.paused_since is None and clock.due_at is not None:
        timeliness = classify_open(at, clock.due_at, clock.warn_at)
    return Moment(
        code=code, seq=seq, through_seq=through, at=at, version=rt.version,
        status=run.status, data=instance.data if instance is not None else {}, steps=steps,
        waiting_messages=instance.waiting_messages() if instance is not None
        and run.status == "in_process" else [],
        due_at=clock.due_at, warn_at=clock.warn_at, paused=clock.paused_since is not None,
        pause_count=clock.pause_count, timeliness=timeliness,
        new_appointment_at=clock.new_appointment_at,
        finished_at=clock.finished_at if run.status != "in_process" else None,
        first_divergence=divergence, path=path)


def _runtime(ctx: Context, uow: UnitOfWork, dossier: Dossier) -> Runtime:
    """The version the dossier was started on (not the latest), its calendar, its limits."""
    version = version_of(ctx, uow.repo, dossier.definition_id)
    cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
    return Runtime(version.compiled, version.number, ctx.cache.script_engine(), cal,
                   received_day(dossier), ctx.settings.command_time_limit)


def _stored_data(ctx: Context, uow: UnitOfWork, dossier: Dossier) -> dict[str, Any] | None:
    """The data of the state the dossier row holds (None before any was stored)."""
    state = dossier.state
    if isinstance(state, str):
        state = jsoncodec.loads(state)
    if not state:
        return None
    version = version_of(ctx, uow.repo, dossier.definition_id)
    return load_instance(ctx, dossier, version.compiled, ctx.clock.now(), None).data
