"""Reading dossiers, and moving them on external events: timers and messages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.access import (
    Action,
    Caller,
    actor_at,
    dossier_scope,
    needs_grant_lookup,
    require,
    see_dossier,
)
from engine.codes import LOCAL_TZ
from engine.datasize import DataTooLarge, check_data_size
from engine.errors import CommandTimeLimit, DossierInError, InvalidInput, NotFound, ProcessError
from engine.metrics import counts
from engine.nesting import check_nesting
from engine.runtime import Instance
from engine.runtime.messages import caught_messages
from engine.runtime.repair import rerun_failed
from engine.search import Search, period
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import incidents, messages, progress
from engine.services.flow.documents import registered_name
from engine.services.flow.instances import load_instance
from engine.services.flow.messages import Buffered
from engine.services.flow.statutory import calendar_of
from engine.services.views import DossierView, view_of
from engine.store.models import Dossier, HistoryEvent, ProcessedMessage
from engine.store.models_incidents import Incident
from engine.store.uow import UnitOfWork


def get_dossier(ctx: Context, caller: Caller, code: str) -> DossierView:
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_READ)
        version = version_of(ctx, uow.repo, dossier.definition_id)
        view = view_of(uow, dossier, version.number, {})
        name = registered_name(uow, dossier)
    instance = load_instance(ctx, dossier, version.compiled, ctx.clock.now(), None)
    return DossierView(dossier, version.number, view.open_tasks, instance.data,
                       tuple(instance.waiting_messages()), name)


# What a dossier's status can be: running, finished at an end event, stopped on an error.
STATUSES = ("in_process", "finished", "error", "withdrawn", "stopped")


def list_dossiers(ctx: Context, caller: Caller, *, status: str | None = None,
                  process_key: str | None = None, unit: str | None = None,
                  handling_unit: str | None = None, timeliness: str | None = None,
                  sort: str = "-received_at", limit: int = 50, offset: int = 0,
                  q: str | None = None, channel: str | None = None,
                  received_from: date | datetime | None = None,
                  received_to: date | datetime | None = None, mine: bool = False
                  ) -> tuple[list[Dossier], int]:
    """The dossiers the caller may see (engine.access.dossier_scope), filtered. `q`: a
    dossier code, an applicant's identity number, or words of the applicant's name, with or
    without diacritics (engine.search). The period is of reception: a date is a whole day
    in Vietnam's time, both ends included. `mine`: only those the caller started or was
    granted (a client's list always is)."""
    scope = dossier_scope(caller, mine=mine)
    search = None
    if q is not None:
        search = Search.parse(q)
        if search is None:
            raise InvalidInput("nothing to search for in q", errors=[
                {"field": "/q", "message": "give a dossier code, an identity number or a name"}])
    start, end = period(received_from, received_to, LOCAL_TZ)
    if start is not None and end is not None and start >= end:
        raise InvalidInput("received_from is after received_to", errors=[
            {"field": "/received_from", "message": "must not be after received_to"}])
    with ctx.uow(readonly=True) as uow:
        rows, total = uow.repo.dossiers(caller.province, status=status, process_key=process_key,
                                        unit=unit, handling_unit=handling_unit,
                                        limit=limit, offset=offset,
                                        timeliness=timeliness, now=ctx.clock.now(), sort=sort,
                                        client_id=scope.client_id, scope_units=scope.units,
                                        search=search, channel=channel, received_from=start,
                                        received_before=end)
        return list(rows), total


@dataclass(frozen=True)
class HistoryPage:
    """Events of a dossier after `after_seq`, how many it has, and where the next page
    starts (None: none follows)."""

    code: str
    events: list[HistoryEvent]
    total: int
    next_after_seq: int | None


def history(ctx: Context, caller: Caller, code: str, *, after_seq: int = 0,
            limit: int = 100) -> HistoryPage:
    """A page of the dossier's history, for whoever may read it. The count is the dossier's
    own (its chain's length): no query counts the events."""
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_HISTORY)
        events = list(uow.repo.history_page(dossier.id, after_seq, limit))
    total = dossier.history_seq or 0
    last = events[-1].seq if events else None
    return HistoryPage(dossier.code, events, total,
                       last if last is not None and last < total else None)


def wake(ctx: Context, dossier_id: int) -> bool:
    """Fire the dossier's due timers and record clock crossings. Safe to run twice: a
    second call finds nothing due and changes nothing. When the timers' steps fail (or run
    into a limit: the same steps would at every try), nothing of them is stored: an
    incident is opened, and the dossier is not woken again until it is resolved."""
    try:
        with incidents.recording(ctx):
            return _wake(ctx, dossier_id, ctx.clock.now())
    except ProcessError:
        return True  # recorded: no caller to refuse


def expire_messages(ctx: Context, *, batch: int = 500) -> int:
    """The sweeper's part in kept messages (engine.services.flow.messages): drop those whose
    time to live passed, one dossier per unit of work, its row locked. Returns how many
    dossiers were swept."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        due = list(uow.repo.expired_message_dossiers(now, batch))
    for dossier_id in due:
        with ctx.uow() as uow:
            dossier = uow.repo.dossier_by_id(dossier_id, lock=True)
            assert dossier is not None
            rows = [r for r in uow.repo.pending_messages_of(dossier_id) if r.expires_at <= now]

            def log(kind: str, d: Dossier = dossier, u: UnitOfWork = uow, **kw: Any) -> None:
                progress.record(u, d, kind, at=now, **kw)

            messages.expire(uow, dossier, rows, at=now, record=log)
            uow.commit()
    return len(due)


def retry_wake(ctx: Context, incident: Incident, by: int) -> None:
    """Retry the incident of a timer now (by the principal `by`): its dossier's elements
    that failed run again and its due timers fire; ProcessError if it fails again."""
    assert incident.dossier_id is not None
    with incidents.recording(ctx):
        _wake(ctx, incident.dossier_id, ctx.clock.now(), by=by, retry=incident)


def _wake(ctx: Context, dossier_id: int, now: datetime, *, by: int | None = None,
          retry: Incident | None = None) -> bool:
    """Wake the dossier; a `retry` of an incident (by the principal `by`) fires the due
    timers now, runs the elements that failed again, and resolves the incident."""
    with ctx.uow() as uow:
        dossier = uow.repo.dossier_by_id(dossier_id, lock=True)
        if dossier is None:
            return False
        if retry is None:
            if dossier.next_wakeup is None or dossier.next_wakeup > now:
                return False
            if dossier.status != "in_process" or incidents.blocked(uow, dossier):
                dossier.next_wakeup = dossier.wake_queued_at = None
                uow.commit()
                return False
        elif dossier.status != "in_process":  # ended meanwhile: nothing to run again
            incidents.resolve(uow, dossier, at=now, by=by, resolution="closed",
                              trigger="timer")
            uow.commit()
            return False
        trigger = retry.trigger if retry is not None else "timer"
        incident_id = retry.id if retry is not None else None
        version = version_of(ctx, uow.repo, dossier.definition_id)
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
        instance = load_instance(ctx, dossier, version.compiled, now, cal)
        try:
            rerun = rerun_failed(instance) if retry is not None else []
            due_timer = instance.next_timer()
            fired = due_timer is not None and due_timer <= now
            if rerun:
                instance.run_on()
            if fired:
                instance.fire_timers()
            incidents.check(instance, dossier, trigger=trigger, incident_id=incident_id)
            # save() also records a crossing into approaching/overdue when that was due.
            progress.save(uow, dossier, instance, at=now, actor_id=by,
                          max_data_bytes=ctx.settings.max_dossier_data_bytes)
        except (DataTooLarge, CommandTimeLimit) as exc:
            raise incidents.limit_failure(exc, dossier, trigger=trigger,
                                          incident_id=incident_id) from exc
        if retry is not None:
            incidents.resolve(uow, dossier, at=now, by=by, resolution="retried",
                              trigger="timer")
        uow.commit()
        if fired:
            counts.timers_fired()
        return True


def deliver_message(ctx: Context, caller: Caller, code: str, name: str,
                    payload: dict[str, Any], message_id: str | None, *,
                    action: Action = Action.DOSSIER_MESSAGE, event: str = "message.received",
                    check: Callable[[Dossier, Instance], None] | None = None,
                    keep: bool = False) -> tuple[DossierView | Dossier | Buffered, bool]:
    """Deliver an external event. Returns (view, True), or (dossier, False) when this
    `message_id` was already delivered (the repeat is ignored). `check` may refuse it once
    the dossier and its instance are loaded (nothing is stored then); `event` is the kind
    of history event it is recorded as. With `keep`, a message the process does not wait
    for yet, but that some element of it catches, is kept for later (engine.services.flow
    .messages): (Buffered, True), or (Buffered, False) for a repeat of one still kept."""
    with incidents.recording(ctx):
        return _deliver(ctx, caller, code, name, payload, message_id, action=action,
                        event=event, check=check, keep=keep)


def _deliver(ctx: Context, caller: Caller, code: str, name: str, payload: dict[str, Any],
             message_id: str | None, *, action: Action, event: str,
             check: Callable[[Dossier, Instance], None] | None, keep: bool
             ) -> tuple[DossierView | Dossier | Buffered, bool]:
    require(caller, action)
    check_nesting("/payload", payload)
    check_data_size("/payload", payload, ctx.settings.max_dossier_data_bytes)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = find_dossier(uow, caller, code, action, lock=True)
        if message_id and uow.repo.message_seen(dossier.id, message_id):
            return dossier, False
        if message_id and dossier.pending_messages:
            pending = uow.repo.pending_message(dossier.id, message_id)
            if pending is not None:
                return messages.kept_answer(dossier, pending), False
        if dossier.status == "error":
            raise DossierInError(f"dossier {code} stopped on an error: {dossier.error}")
        if dossier.status != "in_process":
            raise InvalidInput(f"dossier {code} is {dossier.status}")
        version = version_of(ctx, uow.repo, dossier.definition_id)
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
        open_tasks = list(uow.repo.open_tasks_of(dossier.id))
        instance = load_instance(ctx, dossier, version.compiled, now, cal)
        if check is not None:
            check(dossier, instance)
        if keep and name not in instance.waiting_messages():
            compiled = version.compiled
            if name not in caught_messages(compiled.spec, compiled.subprocess_specs):
                raise InvalidInput(f"no element of process {dossier.process_key} catches "
                                   f"message '{name}'", errors=[{
                                       "field": "name", "message": "no such message"}])
            kept = messages.keep(
                uow, dossier, name, payload, message_id, sender_id=caller.id, at=now,
                hours=messages.ttl_hours(uow, dossier, ctx.settings.message_ttl_hours),
                record=lambda kind, **kw: progress.record(
                    uow, dossier, kind, at=now, actor=actor_at(
                        caller, [t.unit for t in open_tasks] + [dossier.unit]), **kw))
            uow.commit()
            return kept, True
        instance.deliver_message(name, payload)
        incidents.check(instance, dossier, message=name,
                        command="supplement" if event == "dossier.supplemented" else "message")
        if message_id:
            uow.repo.add(ProcessedMessage(dossier_id=dossier.id, message_id=message_id,
                                          received_at=now))
        actor = actor_at(caller, [t.unit for t in open_tasks] + [dossier.unit])
        progress.record(uow, dossier, event, at=now, actor_id=caller.id,
                        payload={"name": name, "message_id": message_id, "payload": payload},
                        actor=actor)
        still_open = progress.save(uow, dossier, instance, at=now, actor_id=caller.id,
                                   max_data_bytes=ctx.settings.max_dossier_data_bytes,
                                   open_tasks=open_tasks, actor=actor)
        incidents.resolve(uow, dossier, at=now, by=caller.id, resolution="delivered",
                          message=name)
        uow.commit()
        counts.message_delivered()
        return DossierView(dossier, version.number, still_open, instance.data), True


def find_dossier(uow: UnitOfWork, caller: Caller, code: str, action: Action, *,
             lock: bool = False) -> Dossier:
    """The dossier, if the policy lets the caller do `action` on it (NotFound otherwise)."""
    require(caller, action)
    dossier = uow.repo.dossier(caller.province, code, lock=lock)
    if dossier is None:
        raise NotFound(f"no dossier {code}")
    units = uow.repo.task_units(dossier.id) if caller.role == "officer" else set()
    granted = needs_grant_lookup(caller, dossier) and uow.repo.granted(dossier.id, caller.id)
    see_dossier(caller, dossier, units, action, granted=granted)
    return dossier
