"""The task a command on an inbox row works on, read with its dossier's row locked."""
from __future__ import annotations

from engine.access import Action, Caller, work_task
from engine.errors import NotFound, TaskAlreadyCompleted
from engine.store.records import DossierRow, TaskRow
from engine.store.uow import UnitOfWork


def open_task(uow: UnitOfWork, caller: Caller, task_id: str,
              found: tuple[DossierRow, list[TaskRow]] | None, action: Action, *,
              closed_action: Action) -> tuple[DossierRow, list[TaskRow], TaskRow]:
    """The dossier `found` by `lock_task_dossier`, its open tasks and the task among them, if
    the policy lets the caller do `action` on it. A task that is no longer open is a
    conflict for a caller allowed `closed_action` on it (refused as usual otherwise)."""
    if found is None:
        raise NotFound(f"no task {task_id}")
    dossier, open_tasks = found
    task = next((t for t in open_tasks if t.id == task_id), None)
    if task is None:
        closed = uow.repo.task(caller.province, task_id)
        assert closed is not None
        work_task(caller, closed, closed_action)
        raise TaskAlreadyCompleted(f"task {task_id} is already {closed.status}")
    work_task(caller, task, action)
    return dossier, open_tasks, task
