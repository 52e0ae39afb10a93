"""Officers: the inbox, one task with its form, claiming, assigning and completing it."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.dossiers import present
from api.schemas import DossierOut, Problem
from api.task_schemas import (
    AssignIn,
    CompleteIn,
    TaskDetailOut,
    TaskOut,
    TaskPage,
    TaskQuery,
)
from engine.services.desk import claims, tasks
from engine.services.flow.statutory import dossier_timeliness, task_timeliness
from engine.services.views import DossierView
from engine.store.models import Dossier, Task

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks",
                description="User tasks of your unit and position")


def _task(t: Task, d: Dossier, holder_name: str | None, procedure_name: str | None
          ) -> dict[str, Any]:
    now = current_app.extensions["motcua"].clock.now()
    holder = {"id": t.holder_id, "name": holder_name} if t.holder_id is not None else None
    return {"id": t.id, "element_id": t.element_id, "name": t.name, "position": t.position,
            "unit": t.unit, "status": t.status, "form": t.form, "created_at": t.created_at,
            "completed_at": t.completed_at, "due_at": t.due_at,
            "timeliness": task_timeliness(t, now), "dossier_code": d.code,
            "dossier_due_at": d.due_at, "dossier_timeliness": dossier_timeliness(d, now),
            "process_key": d.process_key, "procedure_name": procedure_name,
            "holder": holder, "held_since": t.held_since}


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(TaskQuery(), location="query")
    @blp.response(200, TaskPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Your open tasks across your memberships: those nobody holds of your units and
        positions (every position of a unit you lead) and those you hold; the most urgent
        (overdue) first, a page at a time, with how many there are in all."""
        page = tasks.inbox(current_app.extensions["motcua"], caller(), **query)
        return {"total": page.total, "items": [
            _task(t, d, holder, page.procedure_names.get(d.procedure_code or ""))
            for t, d, holder in page.items]}


@blp.route("/<task_id>")
class TaskResource(MethodView):
    @blp.response(200, TaskDetailOut)
    def get(self, task_id: str) -> Any:
        """The task, its dossier, its form (JSON Schema) and the dossier's current data."""
        detail = tasks.get_task(current_app.extensions["motcua"], caller(), task_id)
        out = _task(detail.task, detail.dossier, detail.holder_name, detail.procedure_name)
        out.update(form_schema=detail.form, data=detail.data)
        return out


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskOut)
    @blp.alt_response(409, schema=Problem, description="held by another officer (task-held)")
    def post(self, task_id: str) -> Any:
        """Take a task of your position: from now on only you complete it."""
        held = claims.claim_task(current_app.extensions["motcua"], caller(), task_id)
        return _task(held.task, held.dossier, held.holder_name, held.procedure_name)


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=Problem, description="held by another officer (task-held)")
    def post(self, task_id: str) -> Any:
        """Release a task you hold (a head of department or leader of the unit: any task
        of it) back to the inbox of its position."""
        held = claims.release_task(current_app.extensions["motcua"], caller(), task_id)
        return _task(held.task, held.dossier, held.holder_name, held.procedure_name)


@blp.route("/<task_id>/assign")
class Assign(MethodView):
    @blp.arguments(AssignIn())
    @blp.response(200, TaskOut)
    @blp.alt_response(422, schema=Problem, description="no officer of the unit has this id")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """A head of department or leader gives a task of their unit to one of its officers
        (phân công), taking it from whoever held it."""
        held = claims.assign_task(current_app.extensions["motcua"], caller(), task_id,
                                  body["principal_id"])
        return _task(held.task, held.dossier, held.holder_name, held.procedure_name)


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteIn())
    @blp.response(200, DossierOut)
    @blp.alt_response(403, schema=Problem, description="held by another officer (task-held)")
    @blp.alt_response(409, schema=Problem, description="already completed")
    @blp.alt_response(422, schema=Problem, description="form errors by field path, or an "
                      "Idempotency-Key already used for another request")
    @blp.alt_response(503, schema=Problem, description="database unavailable, or the commit's "
                      "outcome unknown: send it again (with the same Idempotency-Key)")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """Submit the task's form; the dossier runs on until it waits again. A task someone
        holds is completed only by them. With header Idempotency-Key, a retry of the same
        request answers as the first time did."""
        ctx = current_app.extensions["motcua"]
        key = request.headers.get("Idempotency-Key") or None
        if key is None:
            view = tasks.complete_task(ctx, caller(), task_id, body["data"])
            return present(view.dossier, view)
        answer = tasks.complete_task_once(ctx, caller(), task_id, body["data"], key, _answer)
        return Response(json.dumps(answer["body"], ensure_ascii=False),
                        status=answer["status"], mimetype="application/json")


def _answer(view: DossierView) -> dict[str, Any]:
    """The answer to a completion, as JSON data: what is stored with its Idempotency-Key."""
    return {"status": 200, "body": DossierOut().dump(present(view.dossier, view))}
