"""Officers' work: the inbox, one task with its form, and completing it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.access import Action, Caller, acting_position, require, task_scope, work_task
from engine.datasize import check_data_size
from engine.errors import DossierInError, NotFound, TaskAlreadyCompleted
from engine.forms import validate_form
from engine.nesting import check_nesting
from engine.services import progress
from engine.services.catalog import version_of
from engine.services.context import Context
from engine.services.instances import keep_instance, load_instance, take_instance
from engine.services.statutory import calendar_of
from engine.services.views import DossierView
from engine.store.models import Dossier, Task


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    dossier: Dossier
    form: dict[str, Any] | None
    data: dict[str, Any]
    holder_name: str | None


@dataclass(frozen=True)
class InboxPage:
    """One page of tasks (each with its dossier and its holder's name) and how many match."""

    items: list[tuple[Task, Dossier, str | None]]
    total: int


def inbox(ctx: Context, caller: Caller, *, status: str = "open", timeliness: str | None = None,
          claimed: bool | None = None, process_key: str | None = None,
          unit: str | None = None, limit: int = 50, offset: int = 0) -> InboxPage:
    """An officer's open tasks across their memberships: the unheld tasks of their units
    and positions (of every position at a unit they lead) and those they hold, most
    urgent first. `claimed`: only held tasks (theirs, and all of the units they lead) or
    only unheld ones. Auditors list every task of the province."""
    scope = task_scope(caller)
    with ctx.uow(readonly=True) as uow:
        items, total = uow.repo.inbox(caller.province, scope=scope, status=status,
                                      claimed=claimed, process_key=process_key, unit=unit,
                                      timeliness=timeliness, now=ctx.clock.now(),
                                      limit=limit, offset=offset)
    return InboxPage(items, total)


def get_task(ctx: Context, caller: Caller, task_id: str) -> TaskDetail:
    require(caller, Action.TASK_READ)
    with ctx.uow(readonly=True) as uow:
        task = uow.repo.task(caller.province, task_id)
        if task is None:
            raise NotFound(f"no task {task_id}")
        work_task(caller, task, Action.TASK_READ)
        dossier = uow.repo.dossier_by_id(task.dossier_id)
        assert dossier is not None
        version = version_of(ctx, uow.repo, dossier.definition_id)
        holder = uow.repo.principal_names([task.holder_id]).get(task.holder_id or 0)
    instance = load_instance(ctx, dossier, version.compiled, ctx.clock.now(), None)
    form = version.compiled.forms.get(task.form) if task.form else None
    return TaskDetail(task, dossier, form, instance.data, holder)


def complete_task(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any]
                  ) -> DossierView:
    """Validate `data` against the task's form and complete it: one transaction holding the
    dossier's row lock from the first read to the commit. A held task is completed only by
    its holder (the policy reads the holder from the locked read, as claims write it under
    the same lock)."""
    require(caller, Action.TASK_COMPLETE)
    check_nesting("/data", data)
    check_data_size("/data", data, ctx.settings.max_dossier_data_bytes)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.repo.lock_task_dossier(caller.province, task_id)
        if found is None:
            raise NotFound(f"no task {task_id}")
        dossier, open_tasks = found
        task = next((t for t in open_tasks if t.id == task_id), None)
        if task is None:
            closed = uow.repo.task(caller.province, task_id)
            assert closed is not None
            work_task(caller, closed, Action.TASK_COMPLETE)
            raise TaskAlreadyCompleted(f"task {task_id} is already {closed.status}")
        work_task(caller, task, Action.TASK_COMPLETE)
        if dossier.status == "error":
            raise DossierInError(f"dossier {dossier.code} stopped on an error: {dossier.error}")
        version = version_of(ctx, uow.repo, dossier.definition_id)
        if task.form:
            # Checked before the instance is touched: a 422 leaves everything as it was.
            validate_form(task.form, version.compiled.forms, data)
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
        instance = take_instance(ctx, dossier, version.compiled, now, cal)
        completed = instance.complete(task_id, data)
        progress.record(uow, dossier, "task.completed", at=now, actor_id=caller.id,
                        element_id=completed.element_id, task_id=task_id,
                        payload={"data": data, "by": caller.name,
                                 "position": acting_position(caller, task)})
        still_open = progress.save(uow, dossier, instance, at=now, actor_id=caller.id,
                                   max_data_bytes=ctx.settings.max_dossier_data_bytes,
                                   completed_task=task_id, open_tasks=list(open_tasks))
        uow.repo.save_record(dossier)
        uow.commit()
        data = keep_instance(ctx, dossier, instance)
        return DossierView(dossier, version.number, still_open, data)
