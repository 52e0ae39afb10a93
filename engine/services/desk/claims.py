"""Who works a task: an officer claims it, releases it, or a head of department or leader of
its unit assigns it (phân công). Only the holder then completes it.

Each command takes the row lock of the task's dossier, as completing a task does, so a
claim, an assignment and a completion of one task never interleave: of two officers
claiming at the same moment, the second finds the task held and gets a conflict. Every
change of holder is an event of the dossier's history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.access import Action, Caller, acting_position, actor_of, require
from engine.errors import HeldByAnother, InvalidInput, TaskHeld
from engine.services.context import Context
from engine.services.desk.open_task import open_task
from engine.services.flow import progress
from engine.services.flow.documents import registered_name
from engine.store import org
from engine.store.records import DossierRow, TaskRow
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class HeldTask:
    """The task after the command, its dossier and its holder's name."""

    task: TaskRow
    dossier: DossierRow
    holder_name: str | None
    procedure_name: str | None = None


def claim_task(ctx: Context, caller: Caller, task_id: str) -> HeldTask:
    """Take an unheld task of the caller's lane (a task already theirs stays so)."""
    require(caller, Action.TASK_CLAIM)
    with ctx.uow() as uow:
        dossier, task = _locked(uow, caller, task_id, Action.TASK_CLAIM)
        if task.holder_id == caller.id:
            return _held(uow, task, dossier, caller.name)
        _change(ctx, uow, dossier, task, "task.claimed", caller, at=ctx.clock.now(),
                holder=(caller.id, caller.name), assigned_by=None)
        return _held(uow, task, dossier, caller.name)


def release_task(ctx: Context, caller: Caller, task_id: str) -> HeldTask:
    """Put a held task back in its lane's inbox: its holder, or a head of department or
    leader of its unit, may. Releasing a task nobody holds changes nothing."""
    require(caller, Action.TASK_RELEASE)
    with ctx.uow() as uow:
        dossier, task = _locked(uow, caller, task_id, Action.TASK_RELEASE)
        if task.holder_id is None:
            return _held(uow, task, dossier, None)
        _change(ctx, uow, dossier, task, "task.released", caller, at=ctx.clock.now(),
                holder=None, assigned_by=None)
        return _held(uow, task, dossier, None)


def assign_task(ctx: Context, caller: Caller, task_id: str, principal_id: int) -> HeldTask:
    """A head of department or leader of the task's unit gives it to an officer holding a
    membership at that unit (in any position), taking it from its holder if any."""
    require(caller, Action.TASK_ASSIGN)
    with ctx.uow() as uow:
        dossier, task = _locked(uow, caller, task_id, Action.TASK_ASSIGN)
        name = _assignee(uow, caller.province, task.unit, principal_id)
        if task.holder_id == principal_id:
            return _held(uow, task, dossier, name)
        _change(ctx, uow, dossier, task, "task.assigned", caller, at=ctx.clock.now(),
                holder=(principal_id, name), assigned_by=caller.id)
        return _held(uow, task, dossier, name)


def _held(uow: UnitOfWork, task: TaskRow, dossier: DossierRow, holder: str | None) -> HeldTask:
    return HeldTask(task, dossier, holder, registered_name(uow, dossier))


def _locked(uow: UnitOfWork, caller: Caller, task_id: str, action: Action
            ) -> tuple[DossierRow, TaskRow]:
    """The task's dossier, its row locked, and the task, if the policy lets the caller do
    `action` on it; a task no longer open is a conflict."""
    found = uow.repo.lock_task_dossier(caller.province, task_id)
    try:
        dossier, _, task = open_task(uow, caller, task_id, found, action,
                                     closed_action=Action.TASK_READ)
    except (TaskHeld, HeldByAnother) as exc:
        # The holder's name is for those who see the task: officers of its unit.
        assert found is not None  # held: the task is open
        task = next(t for t in found[1] if t.id == task_id)
        holder = uow.repo.principal_names([task.holder_id]).get(task.holder_id or 0)
        raise type(exc)(f"{exc.message} ({holder}, since {task.held_since:%Y-%m-%d %H:%M} "
                        "UTC)") from None
    return dossier, task


def _assignee(uow: UnitOfWork, province: str, unit: str | None, principal_id: int) -> str:
    """The name of the officer to assign a task of `unit` to. Anyone else (unknown, of
    another province, not an officer of the unit, disabled) gets the same answer."""
    found = org.principal(uow.session, province, principal_id)
    if found is not None and found.role == "officer" and found.disabled_at is None:
        own = [(found.unit, found.position)] if found.unit and found.position else []
        units = {u for u, _ in own + org.memberships(uow.session, found.id)}
        if unit in units:
            return found.name
    message = f"no officer of unit {unit} has this id"
    raise InvalidInput(message, errors=[{"field": "principal_id", "message": message}])


def _change(ctx: Context, uow: UnitOfWork, dossier: DossierRow, task: TaskRow, kind: str,
            caller: Caller, *, at: datetime, holder: tuple[int, str] | None,
            assigned_by: int | None) -> None:
    """Write the task's new holder and the event saying who held it before and after, and
    commit."""
    before = task.holder_id
    before_name = uow.repo.principal_names([before]).get(before or 0) if before else None
    payload: dict[str, Any] = {
        "from": {"id": before, "name": before_name} if before is not None else None,
        "to": {"id": holder[0], "name": holder[1]} if holder is not None else None,
        "by": {"id": caller.id, "name": caller.name}, "unit": task.unit,
        "position": task.position}
    progress.record(uow, dossier, kind, at=at, actor_id=caller.id,
                    element_id=task.element_id, task_id=task.id, payload=payload,
                    actor=actor_of(caller, task.unit, acting_position(caller, task)))
    task.holder_id = holder[0] if holder is not None else None
    task.held_since = at if holder is not None else None
    task.assigned_by = assigned_by
    uow.repo.hold_task(task.id, task.holder_id, task.held_since, assigned_by)
    # The dossier's instance did not move: the one this process keeps stays valid under
    # the row version this command writes.
    kept = ctx.live.take(dossier.id, dossier.row_version, dossier.definition_id)
    uow.repo.save_record(dossier)
    uow.commit()
    if kept is not None:
        ctx.live.keep(dossier.id, dossier.row_version, dossier.definition_id, kept)
