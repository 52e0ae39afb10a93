"""Officers' work: the inbox, one task with its form, and completing it."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import jsoncodec
from engine.access import (
    Action,
    Caller,
    acting_position,
    actor_of,
    require,
    task_scope,
    work_task,
)
from engine.datasize import check_data_size
from engine.errors import (
    DossierInError,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
)
from engine.forms import validate_form
from engine.metrics import counts
from engine.nesting import check_nesting
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.desk import acts
from engine.services.desk.open_task import open_task
from engine.services.flow import incidents, progress
from engine.services.flow.documents import procedure_name, registered_name
from engine.services.flow.instances import copy_data, keep_instance, load_instance, take_instance
from engine.services.flow.statutory import calendar_of
from engine.services.views import DossierView
from engine.store.models import CompletionKey, Dossier, Task, max_length
from engine.store.uow import IntegrityError, UnitOfWork

MAX_IDEMPOTENCY_KEY = max_length(CompletionKey.__table__.c.key)
# What a keyed completion answers, made from the dossier as the completion left it; kept
# with the key in the completion's transaction and given again to a retry.
Answer = Callable[[DossierView], dict[str, Any]]


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    dossier: Dossier
    form: dict[str, Any] | None
    data: dict[str, Any]
    holder_name: str | None
    procedure_name: str | None = None


@dataclass(frozen=True)
class InboxPage:
    """One page of tasks (each with its dossier and its holder's name) and how many match,
    with the names of their dossiers' procedures by code."""

    items: list[tuple[Task, Dossier, str | None]]
    total: int
    procedure_names: dict[str, str] = field(default_factory=dict)


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
        names = uow.repo.procedure_names(caller.province, {
            d.procedure_code for _, d, _ in items if d.procedure_code})
    return InboxPage(items, total, names)


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
        procedure = registered_name(uow, dossier)
    instance = load_instance(ctx, dossier, version.compiled, ctx.clock.now(), None)
    form = version.compiled.forms.get(task.form) if task.form else None
    return TaskDetail(task, dossier, form, instance.data, holder, procedure)


def complete_task(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any]
                  ) -> DossierView:
    """Validate `data` against the task's form and complete it: one transaction holding the
    dossier's row lock from the first read to the commit. A held task is completed only by
    its holder (the policy reads the holder from the locked read, as claims write it under
    the same lock)."""
    view = _complete(ctx, caller, task_id, data, None, None)
    assert isinstance(view, DossierView)
    return view


def complete_task_once(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any],
                       idempotency_key: str, answer: Answer) -> dict[str, Any]:
    """`complete_task` sent with an Idempotency-Key: the first time, its answer (made by
    `answer` before the commit) is stored with the key in the same transaction and
    returned; a retry with the same key and request returns that answer again, even
    though the task is done by then. The same key with another request is refused."""
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput("invalid Idempotency-Key", errors=[{
            "field": "Idempotency-Key", "message": f"at most {MAX_IDEMPOTENCY_KEY} characters"}])
    try:
        first = _complete(ctx, caller, task_id, data, idempotency_key, answer)
    except IntegrityError:
        # A request with the same key committed first (another task: the dossier lock did
        # not keep them apart): answer as it was answered, or refuse another request.
        with ctx.uow(readonly=True) as uow:
            stored = uow.repo.completion_key(caller.id, idempotency_key)
        if stored is None:
            raise
        return _replay(stored, _request_hash(task_id, data))
    assert not isinstance(first, DossierView)
    return first


def _complete(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any],
              key: str | None, answer: Answer | None) -> DossierView | dict[str, Any]:
    """The completion; refused with ProcessError when the diagram fails on the way (its
    transaction rolled back, then its incident recorded)."""
    with incidents.recording(ctx):
        return _completion(ctx, caller, task_id, data, key, answer)


def _completion(ctx: Context, caller: Caller, task_id: str, data: dict[str, Any],
                key: str | None, answer: Answer | None) -> DossierView | dict[str, Any]:
    require(caller, Action.TASK_COMPLETE)
    check_nesting("/data", data)
    check_data_size("/data", data, ctx.settings.max_dossier_data_bytes)
    now = ctx.clock.now()
    request_hash = _request_hash(task_id, data) if key is not None else ""
    with ctx.uow() as uow:
        found = uow.repo.lock_task_dossier(caller.province, task_id,
                                           key=(caller.id, key) if key is not None else None)
        if key is not None:
            stored = uow.repo.completion_key(caller.id, key)
            if stored is not None:
                replay = _replay(stored, request_hash)
                uow.commit()  # nothing written; COMMIT keeps the connection's statements
                return replay
        dossier, open_tasks, task = open_task(uow, caller, task_id, found, Action.TASK_COMPLETE,
                                              closed_action=Action.TASK_COMPLETE)
        if dossier.status == "error":
            raise DossierInError(f"dossier {dossier.code} stopped on an error: {dossier.error}")
        version = version_of(ctx, uow.repo, dossier.definition_id)
        if task.form:
            # Checked before the instance is touched: a 422 leaves everything as it was.
            validate_form(task.form, version.compiled.forms, data)
            acts.check_act(uow, dossier, task.form)
        cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
        instance = take_instance(ctx, dossier, version.compiled, now, cal)
        completed = instance.complete(task_id, data)
        incidents.check(instance, dossier, command="task.complete", task_id=task_id)
        actor = actor_of(caller, task.unit, acting_position(caller, task))
        progress.record(uow, dossier, "task.completed", at=now, actor_id=caller.id,
                        element_id=completed.element_id, task_id=task_id,
                        payload={"data": data, "by": caller.name,
                                 "position": actor["position"]}, actor=actor)
        if task.form in acts.ACT_FORMS:
            acts.issue_act(uow, dossier, task.form, data, caller=caller, actor=actor, at=now,
                           procedure=procedure_name(uow, dossier, version.compiled.name))
        still_open = progress.save(uow, dossier, instance, at=now, actor_id=caller.id,
                                   max_data_bytes=ctx.settings.max_dossier_data_bytes,
                                   completed_task=task_id, open_tasks=list(open_tasks),
                                   actor=actor)
        incidents.resolve(uow, dossier, at=now, by=caller.id, resolution="completed",
                          task_id=task_id)
        uow.repo.save_record(dossier)
        first: dict[str, Any] | None = None
        kept = None
        if key is not None and answer is not None:
            kept = copy_data(instance.data)
            first = _store_answer(uow, caller, key, task_id, request_hash, now,
                                  answer(DossierView(dossier, version.number, still_open, kept)))
        uow.commit()
        counts.task_completed()
        data = keep_instance(ctx, dossier, instance, kept)
        if first is not None:
            return first
        return DossierView(dossier, version.number, still_open, data)


def _store_answer(uow: UnitOfWork, caller: Caller, key: str, task_id: str, request_hash: str,
                  now: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Keep `answer` with the key, as JSON (so a retry gets exactly what was stored), and
    return it as it will be read back."""
    stored: dict[str, Any] = jsoncodec.loads(jsoncodec.dumps(answer))
    uow.repo.insert_completion_key({
        "principal_id": caller.id, "key": key, "province": caller.province,
        "task_id": task_id, "request_hash": request_hash, "answer": stored,
        "created_at": now})
    return stored


def _replay(stored: dict[str, Any], request_hash: str) -> dict[str, Any]:
    """The first answer given under a key, if this request is the one it answered."""
    if stored["request_hash"] != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request",
            errors=[{"field": "Idempotency-Key",
                     "message": f"already used to complete task {stored['task_id']}"}])
    answer: dict[str, Any] = stored["answer"]
    return answer


def _request_hash(task_id: str, data: dict[str, Any]) -> str:
    """The request a key answered: the task and the form data (keys in any order)."""
    body = json.dumps([task_id, data], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
