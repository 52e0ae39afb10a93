"""Reading dossiers, and moving them on external events: timers and messages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.access import Action, Caller, actor_at, dossier_scope, require, see_dossier
from engine.codes import LOCAL_TZ
from engine.datasize import DataTooLarge, check_data_size
from engine.errors import CommandTimeLimit, DossierInError, InvalidInput, NotFound
from engine.nesting import check_nesting
from engine.runtime import Instance
from engine.search import Search, period
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import progress
from engine.services.flow.instances import load_instance
from engine.services.flow.statutory import calendar_of
from engine.services.views import DossierView, view_of
from engine.store.models import Dossier, HistoryEvent, ProcessedMessage
from engine.store.uow import UnitOfWork


def get_dossier(ctx: Context, caller: Caller, code: str) -> DossierView:
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_READ)
        version = version_of(ctx, uow.repo, dossier.definition_id)
        view = view_of(uow, dossier, version.number, {})
    instance = load_instance(ctx, dossier, version.compiled, ctx.clock.now(), None)
    return DossierView(dossier, version.number, view.open_tasks, instance.data)


# What a dossier's status can be: running, finished at an end event, stopped on an error.
STATUSES = ("in_process", "finished", "error", "withdrawn", "stopped")


def list_dossiers(ctx: Context, caller: Caller, *, status: str | None = None,
                  process_key: str | None = None, unit: str | None = None,
                  handling_unit: str | None = None, timeliness: str | None = None,
                  sort: str = "-received_at", limit: int = 50, offset: int = 0,
                  q: str | None = None, channel: str | None = None,
                  received_from: date | datetime | None = None,
                  received_to: date | datetime | None = None) -> tuple[list[Dossier], int]:
    """The dossiers the caller may see (engine.access.dossier_scope), filtered. `q`: a
    dossier code, an applicant's identity number, or words of the applicant's name, with or
    without diacritics (engine.search). The period is of reception: a date is a whole day
    in Vietnam's time, both ends included."""
    scope = dossier_scope(caller)
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
    second call finds nothing due and changes nothing."""
    now = ctx.clock.now()
    try:
        return _wake(ctx, dossier_id, now)
    except (DataTooLarge, CommandTimeLimit) as exc:
        # No caller to refuse: what the timers did is not stored, and the dossier stops on a
        # recorded error (as when a script fails) instead of being woken again and again
        # (the same steps would outgrow the same limit at every try).
        with ctx.uow() as uow:
            dossier = uow.repo.dossier_by_id(dossier_id, lock=True)
            assert dossier is not None
            dossier.status, dossier.error, dossier.next_wakeup = "error", exc.message, None
            progress.record(uow, dossier, "dossier.error", at=now,
                            payload={"message": exc.message})
            uow.commit()
        return True


def _wake(ctx: Context, dossier_id: int, now: datetime) -> bool:
    with ctx.uow() as uow:
        dossier = uow.repo.dossier_by_id(dossier_id, lock=True)
        if dossier is None or dossier.next_wakeup is None or dossier.next_wakeup > now:
            return False
        if dossier.status != "in_process":
            dossier.next_wakeup = None
            uow.commit()
            return False
        version = version_of(ctx, uow.repo, dossier.definition_id)
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
        instance = load_instance(ctx, dossier, version.compiled, now, cal)
        due_timer = instance.next_timer()
        if due_timer is not None and due_timer <= now:
            instance.fire_timers()
        # save() also records a crossing into approaching/overdue when that is what was due.
        progress.save(uow, dossier, instance, at=now, actor_id=None,
                      max_data_bytes=ctx.settings.max_dossier_data_bytes)
        uow.commit()
        return True


def deliver_message(ctx: Context, caller: Caller, code: str, name: str,
                    payload: dict[str, Any], message_id: str | None, *,
                    action: Action = Action.DOSSIER_MESSAGE, event: str = "message.received",
                    check: Callable[[Dossier, Instance], None] | None = None
                    ) -> tuple[DossierView | Dossier, bool]:
    """Deliver an external event. Returns (view, True), or (dossier, False) when this
    `message_id` was already delivered (the repeat is ignored). `check` may refuse it once
    the dossier and its instance are loaded (nothing is stored then); `event` is the kind
    of history event it is recorded as."""
    require(caller, action)
    check_nesting("/payload", payload)
    check_data_size("/payload", payload, ctx.settings.max_dossier_data_bytes)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = find_dossier(uow, caller, code, action, lock=True)
        if message_id and uow.repo.message_seen(dossier.id, message_id):
            return dossier, False
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
        instance.deliver_message(name, payload)
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
        uow.commit()
        return DossierView(dossier, version.number, still_open, instance.data), True


def find_dossier(uow: UnitOfWork, caller: Caller, code: str, action: Action, *,
             lock: bool = False) -> Dossier:
    """The dossier, if the policy lets the caller do `action` on it (NotFound otherwise)."""
    require(caller, action)
    dossier = uow.repo.dossier(caller.province, code, lock=lock)
    if dossier is None:
        raise NotFound(f"no dossier {code}")
    units = uow.repo.task_units(dossier.id) if caller.role == "officer" else set()
    see_dossier(caller, dossier, units, action)
    return dossier
