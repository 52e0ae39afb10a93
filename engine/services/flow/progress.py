"""Saving what an instance did: state, status, inbox rows, history, and its next wake-up.

Every use case that moves a dossier ends here, inside its one unit of work.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine import jsoncodec
from engine.access import SYSTEM, Actor
from engine.datasize import check_left
from engine.deadlines import Procedure, portal
from engine.history import GENESIS, event_hash
from engine.runtime import Instance
from engine.services.flow import events, messages, tallies
from engine.services.flow.documents import issue_receipt
from engine.services.flow.routing import task_unit
from engine.services.flow.statutory import (
    next_clock_event,
    received_day,
    start_clock,
    step_due,
    update_clock,
)
from engine.store.models import OutboxMessage
from engine.store.records import DossierRow, TaskRow, new_task
from engine.store.uow import UnitOfWork

WAKE_ACTOR = "wake_dossier"


def record(uow: UnitOfWork, dossier: DossierRow, kind: str, *, at: datetime,
           actor_id: int | None = None, element_id: str | None = None,
           task_id: str | None = None, payload: dict[str, Any] | None = None,
           actor: Actor | None = None) -> None:
    """Append one event to the dossier's hash chain (written in one INSERT at commit). Its
    payload names the `actor` as they were (engine.access.actor; None: the system)."""
    payload = {**(payload or {}), "actor": actor or SYSTEM}
    seq = (dossier.history_seq or 0) + 1
    prev = dossier.history_head or GENESIS
    digest = event_hash(prev, seq, at, kind, actor_id, element_id, task_id, payload)
    uow.repo.append_history(dict(
        dossier_id=dossier.id, seq=seq, at=at, kind=kind, actor_id=actor_id,
        element_id=element_id, task_id=task_id, payload=payload, prev_hash=prev, hash=digest))
    dossier.history_seq = seq
    dossier.history_head = digest
    events.on_history(uow, dossier, kind, at, payload)
    if kind == "message.received":  # delivered now (a payment is counted)
        tallies.message(uow, dossier, payload.get("payload"), at)


def save(uow: UnitOfWork, dossier: DossierRow, instance: Instance, *, at: datetime,
         actor_id: int | None, max_data_bytes: int, completed_task: str | None = None,
         open_tasks: list[TaskRow] | None = None, received: bool = False,
         actor: Actor | None = None) -> list[TaskRow]:
    """Store the instance after a step and everything derived from it. `open_tasks` are the
    dossier's open inbox rows as read at the start of the command; returns them as they
    stand now (for the caller's view), without reading them again. Raises DataTooLarge
    (before anything is written) when the instance's data outgrew `max_data_bytes`.
    Messages kept for the dossier that the process now waits for are delivered first
    (engine.services.flow.messages), in this same unit of work. Every event it records
    names `actor`, whose command it was (None: the system's)."""

    mapping = uow.repo.status_mapping(dossier.province, dossier.procedure_code)
    portal_before = dossier.portal_status
    # Elements the dossier passed through (a user task counts when it begins to wait).
    ran: list[str] = []

    def steps() -> None:
        ran.extend(s.element_id for s in instance.steps if s.element_type != "UserTask")
        _record_steps(uow, dossier, instance, at, actor_id, actor)

    def log(kind: str, **kw: Any) -> None:
        record(uow, dossier, kind, at=at, actor=actor, **kw)

    steps()
    messages.deliver_kept(uow, dossier, instance, at=at, record=log, steps=steps)
    state = jsoncodec.dumps_bytes(instance.dump())
    check_left(state, lambda: instance.data, max_data_bytes)
    was_paused = dossier.paused_since is not None

    before = dossier.status
    dossier.state = jsoncodec.written(state)  # serialized once, measured, then stored
    dossier.updated_at = at
    if instance.error:
        dossier.status = "error"
        dossier.error = instance.error
    elif instance.finished:
        dossier.status = "finished"
        dossier.finished_at = at
        ends = instance.end_events()
        dossier.end_event = ends[-1] if ends else None
        record(uow, dossier, "dossier.finished", at=at, element_id=dossier.end_event,
               actor=actor)
    else:
        dossier.status = "in_process"
    if dossier.status != before:
        events.status_changed(uow, dossier, before, at)
    _messages_awaited(uow, dossier, instance, at)
    if instance.calendar is not None:
        if dossier.due_at is None and dossier.procedure_code and not instance.error \
                and instance.clock_start_reached():
            _start_deferred_clock(uow, dossier, instance, at, log, actor_id, actor)
        update_clock(dossier, instance, instance.calendar, at, log)
    still_open = _sync_tasks(uow, dossier, instance, at=at, actor_id=actor_id,
                             completed_task=completed_task, open_tasks=open_tasks or [],
                             received=received, actor=actor)
    pausing = [p[0] for p in instance.pausing()] if dossier.paused_since is not None else []
    _portal_status(dossier, mapping, ran, [t.element_id for t in still_open if t.created_at == at],
                   was_paused=was_paused, pausing=pausing,
                   officer_acted=completed_task is not None and portal_before == 2)
    if received or dossier.portal_status != portal_before:
        events.portal_changed(uow, dossier, None if received else portal_before, at)
    if dossier.status == "finished" and before != "finished":
        tallies.finished(uow, dossier, instance.calendar, at)
    wakeups = [w for w in (instance.next_timer() if not instance.error else None,
                           next_clock_event(dossier)) if w is not None]
    _schedule_wakeup(uow, dossier, min(wakeups) if wakeups else None, at)
    return still_open


def _messages_awaited(uow: UnitOfWork, dossier: DossierRow, instance: Instance,
                      at: datetime) -> None:
    """The messages the process began to wait for in this command, as one webhook event:
    what another agency (the tax office's notice) or a client (a payment) is now expected to
    send. A supplement has its own event, `dossier.supplement_requested`."""
    awaited = frozenset(instance.waiting_messages()) \
        if dossier.status == "in_process" else frozenset()
    new = sorted(awaited - instance.initial_messages - {"supplement"})
    if new:
        events.messages_awaited(uow, dossier, new, at)
    instance.initial_messages = awaited  # what it waits for once this commits


def _portal_status(dossier: DossierRow, mapping: Mapping[str, int], ran: list[str],
                   waiting: list[str], *, was_paused: bool, pausing: list[str],
                   officer_acted: bool) -> None:
    """The dossier's national portal code after this step: the last element that ran or now
    waits that the procedure maps; while a pause lasts, the code the mapping gives the
    element that pauses (waiting for the applicant's payment: 6), else `supplement
    requested`; `processing finished` at an end the mapping does not name."""
    if dossier.status == "error" or dossier.portal_status in portal.FINAL:
        return
    code = portal.after_steps(dossier.portal_status, mapping, ran + waiting,
                              officer_acted=officer_acted)
    if dossier.status == "finished" and not any(e in mapping for e in ran):
        code = portal.on_state(mapping, "finished")
    paused_code = portal.on_state(mapping, "paused")
    if dossier.paused_since is not None:
        code = next((mapping[e] for e in pausing if e in mapping), paused_code)
    elif was_paused and code == paused_code:
        code = 4
    dossier.portal_status = code


def _record_steps(uow: UnitOfWork, dossier: DossierRow, instance: Instance, at: datetime,
                  actor_id: int | None, actor: Actor | None) -> None:
    last = len(instance.steps) - 1
    for index, step in enumerate(instance.steps):
        kind = "step.error" if step.outcome == "error" else "step.completed"
        payload: dict[str, Any] = {"type": step.element_type, "name": step.name}
        if step.message:
            payload["message"] = step.message
        if index == last:  # the state the steps left, for re-execution to compare with
            payload["after"] = instance.digest()
        record(uow, dossier, kind, at=at, actor_id=actor_id, element_id=step.element_id,
               task_id=step.task_id, payload=payload, actor=actor)
    instance.steps.clear()


def _start_deferred_clock(uow: UnitOfWork, dossier: DossierRow, instance: Instance,
                          at: datetime, log: Any, actor_id: int | None,
                          actor: Actor | None) -> None:
    """Start the clock at the element marked `startsClock`: the dossier is received (accepted)
    now, so form 01 is issued now, with the appointment."""
    stored = uow.repo.procedure(dossier.province, dossier.procedure_code or "")
    if stored is None:
        return
    procedure = Procedure.from_dict(stored.code, stored.data)
    start_clock(dossier, procedure, instance.calendar, log, start=at)
    dossier.portal_status = portal.on_state(procedure.status_mapping, "accepted")
    unit_name, agency = uow.repo.unit_names(dossier.unit)
    issue_receipt(uow, dossier, at=at, actor_id=actor_id,
                  received_by=str(actor.get("name") or "") if actor else "",
                  procedure=procedure, process_name=dossier.process_key, data=instance.data,
                  unit_name=unit_name, agency=agency,
                  submitted_at=dossier.submitted_at or dossier.received_at)


def _sync_tasks(uow: UnitOfWork, dossier: DossierRow, instance: Instance, *, at: datetime,
                actor_id: int | None, completed_task: str | None,
                open_tasks: list[TaskRow], received: bool = False,
                actor: Actor | None = None) -> list[TaskRow]:
    """Bring the inbox rows in line with the instance, from what it knew at load time:
    one UPDATE for rows that left, one INSERT for the new waiting tasks; a query only when a
    message or timer gives work to a dossier that waited on no one (`received`: the
    dossier is new, it has no tasks to ask about)."""
    ready = {t.task_id: t for t in instance.user_tasks()} if not instance.finished else {}
    gone = set(instance.initial_ready) - ready.keys()
    if completed_task in gone:
        uow.repo.close_tasks([completed_task], "completed", at, actor_id)
        gone.discard(completed_task)
    uow.repo.close_tasks(sorted(gone), "cancelled", at, None)
    new_rows = []
    # Where the dossier was: the unit of the task just completed, else of a task still
    # open, else (a message or timer moved a dossier waiting on no one) the unit its last
    # hand-over took it to, else the unit that received it; asked of the store only then.
    done = next((t for t in open_tasks if t.id == completed_task), None)
    holder = done or next(iter(open_tasks), None)
    new_ids = ready.keys() - instance.initial_ready
    was = holder.unit if holder is not None else (
        (uow.repo.last_holding_unit(dossier.id) if new_ids and not received else None)
        or dossier.unit)
    handed: set[str] = set()
    for task_id in sorted(ready.keys() - instance.initial_ready):
        view = ready[task_id]
        due, warn = (step_due(instance.calendar, view, at, received_day(dossier))
                     if instance.calendar is not None else (None, None))
        unit = task_unit(view, dossier, instance.data if view.unit else {},
                         uow.repo.unit_province)
        if unit != was and unit not in handed:
            handed.add(unit)
            record(uow, dossier, "dossier.handed_over", at=at, actor_id=actor_id,
                   element_id=view.element_id, task_id=view.task_id,
                   payload={"from_unit": was, "to_unit": unit}, actor=actor)
        new_rows.append(new_task(id=view.task_id, dossier_id=dossier.id,
                                 province=dossier.province, unit=unit,
                                 position=view.position,
                                 element_id=view.element_id, name=view.name, form=view.form,
                                 status="open", created_at=at, due_at=due, warn_at=warn))
        events.task_created(uow, dossier, new_rows[-1], at)
    uow.repo.insert_tasks(new_rows)
    instance.initial_ready = frozenset(ready)  # what the inbox holds once this commits
    kept = [t for t in open_tasks if t.id in ready]
    return kept + new_rows


def _schedule_wakeup(uow: UnitOfWork, dossier: DossierRow, due: datetime | None, at: datetime) -> None:
    if dossier.wake_queued_at is not None:
        dossier.wake_queued_at = None  # this command is the wake the sweep asked for
    if due == dossier.next_wakeup:
        return
    dossier.next_wakeup = due
    if due is not None:
        # Sent to the broker only after commit (outbox), delayed until the timer is due.
        uow.repo.add(OutboxMessage(actor=WAKE_ACTOR, payload={"dossier_id": dossier.id},
                                   due_at=due, created_at=at))
