"""Integration clients and everyone else: start, read and move dossiers."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import (
    ApologyIn,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    HistoryOut,
    HistoryQuery,
    MessageIn,
    Problem,
)
from engine.access import actor_in
from engine.calendar import to_local
from engine.services.desk import apology
from engine.services.flow import dossiers, intake
from engine.services.flow.statutory import dossier_timeliness
from engine.services.views import DossierView
from engine.store.models import Dossier

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers",
                description="Dossiers: intake, status, history, external events")


def present(d: Dossier, view: DossierView | None = None) -> dict[str, Any]:
    now = current_app.extensions["motcua"].clock.now()
    out: dict[str, Any] = {
        "code": d.code, "status": d.status, "process_key": d.process_key, "unit": d.unit,
        "handling_unit": d.handling_unit or d.unit, "channel": d.channel,
        "applicant": d.applicant, "received_at": d.received_at,
        "updated_at": d.updated_at, "finished_at": d.finished_at, "end_event": d.end_event,
        "error": d.error, "next_wakeup": d.next_wakeup, "procedure_code": d.procedure_code,
        "calendar_id": d.calendar_id, "due_at": d.due_at, "warn_at": d.warn_at,
        "due_at_local": to_local(d.due_at).isoformat() if d.due_at else None,
        "timeliness": dossier_timeliness(d, now), "paused": d.paused_since is not None,
        "paused_hours": round(d.paused_hours or 0.0, 4), "pause_count": d.pause_count or 0,
        "flags": ["repeated_supplement_request"] if (d.pause_count or 0) > 1 else [],
        "new_appointment_at": d.new_appointment_at, "apology_count": d.apology_count or 0,
    }
    if view is not None:
        out["process_version"] = view.version
        out["current_steps"] = view.open_tasks
        out["data"] = view.data
    return out


def present_view(code: str, result: DossierView | Dossier) -> dict[str, Any]:
    """A command's answer: its view, or (for a repeat the command ignored) the dossier now."""
    return present(result.dossier, result) if isinstance(result, DossierView) else _view(code)


def _view(code: str) -> dict[str, Any]:
    ctx = current_app.extensions["motcua"]
    view = dossiers.get_dossier(ctx, caller(), code)
    return present(view.dossier, view)


@blp.route("")
class Dossiers(MethodView):
    @blp.arguments(DossierIn())
    @blp.response(201, DossierOut)
    @blp.alt_response(200, schema=DossierOut, description="a retry with the same Idempotency-Key")
    @blp.alt_response(422, schema=Problem)
    @blp.alt_response(503, schema=Problem, description="database unavailable, or the commit's "
                      "outcome unknown: send it again with the same Idempotency-Key")
    def post(self, body: dict[str, Any]) -> Any:
        """Start a dossier on the latest version of a procedure (header Idempotency-Key
        makes retries safe)."""
        ctx = current_app.extensions["motcua"]
        who = caller()
        key = request.headers.get("Idempotency-Key") or None
        result, _created = intake.start_dossier(
            ctx, who, process_key=body["process_key"], applicant=body["applicant"],
            data=body["data"], unit=body.get("unit"), channel=body["channel"],
            idempotency_key=key, handling_unit=body.get("handling_unit"))
        if isinstance(result, DossierView):
            return present(result.dossier, result), 201
        return _view(result.code), 200

    @blp.arguments(DossierQuery(), location="query")
    @blp.response(200, DossierPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Dossiers you may see, newest first: found by code, identity number or applicant
        name (`q`), filtered by procedure, receiving unit, status, timeliness, channel and
        period of reception; an unknown parameter is refused."""
        ctx = current_app.extensions["motcua"]
        rows, total = dossiers.list_dossiers(ctx, caller(), **query)
        return {"total": total, "items": [present(d) for d in rows]}


@blp.route("/<code>")
class DossierResource(MethodView):
    @blp.response(200, DossierOut)
    def get(self, code: str) -> Any:
        """Status, current steps and data of one dossier."""
        return _view(code)


@blp.route("/<code>/history")
class History(MethodView):
    @blp.arguments(HistoryQuery(), location="query")
    @blp.response(200, HistoryOut)
    def get(self, query: dict[str, Any], code: str) -> Any:
        """The append-only, hash-chained event log, in order, a page at a time: each event
        names its actor as they were when it happened."""
        ctx = current_app.extensions["motcua"]
        page = dossiers.history(ctx, caller(), code, **query)
        return {"code": page.code, "total": page.total, "next_after_seq": page.next_after_seq,
                "items": [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor_id": e.actor_id,
                           "actor": actor_in(e.payload, e.actor_id),
                           "element_id": e.element_id, "task_id": e.task_id,
                           "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash}
                          for e in page.events]}


@blp.route("/<code>/messages/<name>")
class Messages(MethodView):
    @blp.arguments(MessageIn())
    @blp.response(200, DossierOut)
    def post(self, body: dict[str, Any], code: str, name: str) -> Any:
        """Deliver an external event the process waits for; a repeated message_id is ignored."""
        ctx = current_app.extensions["motcua"]
        result, _ = dossiers.deliver_message(ctx, caller(), code,
                                             name, body["payload"], body.get("message_id"))
        return present_view(code, result)


@blp.route("/<code>/apology")
class Apology(MethodView):
    @blp.arguments(ApologyIn())
    @blp.response(200, DossierOut)
    @blp.alt_response(422, schema=Problem, description="not allowed (again) or invalid date")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Apologise for a dossier that will be late and give a new appointment (form 04);
        allowed once per dossier unless the procedure's rules say otherwise."""
        ctx = current_app.extensions["motcua"]
        apology.apologize(ctx, caller(), code, reason=body["reason"],
                          new_appointment=body["new_appointment"])
        return _view(code)
