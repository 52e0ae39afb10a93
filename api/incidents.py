"""Designers: where diagrams failed at run time, the repair of a dossier's data, the retry."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import MAX_OFFSET, Problem
from engine.services.flow import repair
from engine.services.flow.repair import IncidentView

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents",
                description="Designers: dossiers a diagram stopped, their repair and retry")


class IncidentQuery(Schema):
    status = fields.String(validate=validate.OneOf(repair.STATUSES))
    process_key = fields.String(validate=validate.Length(1, 200))
    dossier = fields.String(validate=validate.Length(1, 100),
                            metadata={"description": "a dossier's code"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class ElementOut(Schema):
    id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    type = fields.String(allow_none=True)


class IncidentOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "open or resolved"})
    dossier_code = fields.String(allow_none=True, metadata={
        "description": "None: an intake failed (no dossier was made)"})
    process_key = fields.String()
    process_version = fields.Integer(allow_none=True)
    element = fields.Nested(ElementOut)
    error = fields.String()
    trigger = fields.String(metadata={
        "description": "command (an officer's or client's), timer, or stored (a dossier "
                       "stopped on an error before incidents were recorded)"})
    command = fields.String(allow_none=True, metadata={
        "description": "task.complete, message, supplement or intake"})
    task_id = fields.String(allow_none=True)
    message = fields.String(allow_none=True, metadata={"description": "the message's name"})
    count = fields.Integer(metadata={"description": "times it failed while open"})
    opened_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={
        "description": "completed or delivered (the command succeeded when sent again), "
                       "retried, or closed (the command can no longer be sent)"})


class IncidentPage(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(IncidentOut))


def present(view: IncidentView) -> dict[str, Any]:
    i = view.incident
    return {"id": i.id, "status": i.status, "dossier_code": view.dossier_code,
            "process_key": i.process_key, "process_version": view.version,
            "element": {"id": i.element_id, "name": i.element_name, "type": i.element_type},
            "error": i.error, "trigger": i.trigger, "command": i.command, "task_id": i.task_id,
            "message": i.message, "count": i.count, "opened_at": i.opened_at,
            "last_seen_at": i.last_seen_at, "resolved_at": i.resolved_at,
            "resolution": i.resolution}


@blp.route("")
class Incidents(MethodView):
    @blp.arguments(IncidentQuery(), location="query")
    @blp.response(200, IncidentPage)
    def get(self, query: dict[str, Any]) -> Any:
        """The province's incidents, newest first: open or resolved, by process or dossier."""
        ctx = current_app.extensions["motcua"]
        views, total = repair.list_incidents(ctx, caller(), status=query.get("status"),
                                             process_key=query.get("process_key"),
                                             dossier_code=query.get("dossier"),
                                             limit=query["limit"], offset=query["offset"])
        return {"total": total, "items": [present(v) for v in views]}


@blp.route("/<int:incident_id>")
class IncidentResource(MethodView):
    @blp.response(200, IncidentOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, incident_id: int) -> Any:
        """One incident."""
        ctx = current_app.extensions["motcua"]
        return present(repair.get_incident(ctx, caller(), incident_id))


@blp.route("/<int:incident_id>/retry")
class Retry(MethodView):
    @blp.response(200, IncidentOut)
    @blp.alt_response(409, schema=Problem, description="resolved already, or a command that "
                      "only its officer or client can send again (the answer says who)")
    @blp.alt_response(422, schema=Problem, description="process-error: it failed again")
    def post(self, incident_id: int) -> Any:
        """Retry: a timer's incident has its failed elements run again and its due timers
        fired now, and is resolved when that succeeds; a failed command is sent again by
        its officer or client (the incident resolves when it succeeds), or closed when it
        can no longer be sent."""
        ctx = current_app.extensions["motcua"]
        return present(repair.retry_incident(ctx, caller(), incident_id))
