"""Officers' work: the inbox, one task with its form, and completing it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import DossierInError, Forbidden, NotFound, TaskAlreadyCompleted
from engine.forms import validate_form
from engine.services import progress
from engine.services.auth import Caller
from engine.services.catalog import compiled_for
from engine.services.context import Context
from engine.services.instances import load_instance
from engine.services.statutory import calendar_of
from engine.store.models import Dossier, Task


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    dossier: Dossier
    form: dict[str, Any] | None
    data: dict[str, Any]


def inbox(ctx: Context, caller: Caller, *, status: str = "open", timeliness: str | None = None,
          limit: int = 50, offset: int = 0) -> list[tuple[Task, Dossier]]:
    """Tasks of the caller's unit and position, most urgent first."""
    caller.require("officer", "admin", "auditor")
    unit = caller.unit if caller.role == "officer" else None
    position = caller.position if caller.role == "officer" else None
    with ctx.uow() as uow:
        return list(uow.repo.inbox(caller.province, unit=unit, position=position, status=status,
                                   limit=limit, offset=offset, timeliness=timeliness,
                                   now=ctx.clock.now()))


def get_task(ctx: Context, caller: Caller, task_id: str) -> TaskDetail:
    caller.require("officer", "admin", "auditor")
    with ctx.uow() as uow:
        task, dossier = _task_and_dossier(uow, caller, task_id)
        definition = uow.repo.definition(dossier.definition_id)
    assert definition is not None
    compiled = compiled_for(ctx, definition)
    instance = load_instance(ctx, dossier, compiled, ctx.clock.now(), None)
    form = compiled.forms.get(task.form) if task.form else None
    return TaskDetail(task, dossier, form, instance.data)


def complete_task(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any]) -> Dossier:
    """Validate `data` against the task's form, then complete it in one unit of work."""
    caller.require("officer", "admin")
    with ctx.uow() as uow:
        task, dossier = _task_and_dossier(uow, caller, task_id)
        definition = uow.repo.definition(dossier.definition_id)
    assert definition is not None
    if task.status != "open":
        raise TaskAlreadyCompleted(f"task {task_id} is already {task.status}")
    compiled = compiled_for(ctx, definition)
    if task.form:
        # Checked before any lock is taken and before the instance is touched.
        validate_form(task.form, compiled.forms.get(task.form, {}), data)

    cal = calendar_of(ctx, dossier.province, dossier.calendar_id)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        locked = uow.repo.dossier_by_id(dossier.id, lock=True)
        assert locked is not None
        if locked.status == "error":
            raise DossierInError(f"dossier {locked.code} stopped on an error: {locked.error}")
        instance = load_instance(ctx, locked, compiled, now, cal)
        view = instance.complete(task_id, data)
        progress.record(uow, locked, "task.completed", at=now, actor_id=caller.id,
                        element_id=view.element_id, task_id=task_id,
                        payload={"data": data, "by": caller.name, "position": caller.position})
        progress.save(uow, locked, instance, at=now, actor_id=caller.id, completed_task=task_id)
        uow.commit()
        return locked


def _task_and_dossier(uow: Any, caller: Caller, task_id: str) -> tuple[Task, Dossier]:
    task = uow.repo.task(caller.province, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if caller.role == "officer":
        if caller.unit and task.unit != caller.unit:
            raise Forbidden("this task belongs to another unit")
        if caller.position and task.position and task.position != caller.position:
            raise Forbidden(f"this task is for the position {task.position}")
    dossier = uow.repo.dossier_by_id(task.dossier_id)
    assert dossier is not None
    return task, dossier
