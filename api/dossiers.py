"""Integration clients and everyone else: start, read and move dossiers."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.history_schemas import HistoryOut, HistoryQuery
from api.intake_form import IntakeForm, intake_request
from api.schemas import (
    ApologyIn,
    BufferedOut,
    DataPatchIn,
    DataPatchOut,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    GrantIn,
    GrantList,
    GrantOut,
    MessageIn,
    Problem,
)
from engine.access import actor_in
from engine.calendar import to_local
from engine.deadlines import portal
from engine.services.desk import apology
from engine.services.desk.offered import offered_acts
from engine.services.flow import dossiers, grants, intake, repair, statutory
from engine.services.flow.messages import Buffered
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
        "channel_code": intake.PORTAL_CHANNEL_CODES.get(d.channel),
        "applicant": d.applicant, "submitted_at": d.submitted_at or d.received_at,
        "received_at": d.received_at,
        "updated_at": d.updated_at, "finished_at": d.finished_at, "end_event": d.end_event,
        "error": d.error, "next_wakeup": d.next_wakeup, "procedure_code": d.procedure_code,
        "calendar_id": d.calendar_id, "due_at": d.due_at, "warn_at": d.warn_at,
        "due_at_local": to_local(d.due_at).isoformat() if d.due_at else None,
        "timeliness": dossier_timeliness(d, now), "paused": d.paused_since is not None,
        "paused_hours": round(d.paused_hours or 0.0, 4), "pause_count": d.pause_count or 0,
        "flags": ["repeated_supplement_request"] if (d.pause_count or 0) > 1 else [],
        "new_appointment_at": d.new_appointment_at, "apology_count": d.apology_count or 0,
        "portal_status": {"code": d.portal_status, "name": portal.CODES[d.portal_status]}
        if d.portal_status else None,
        "incident": d.incident_id,
    }
    if view is not None:
        out["process_version"] = view.version
        out["current_steps"] = view.open_tasks
        out["data"] = view.data
        out["remaining_working_hours"] = statutory.remaining_working_hours(
            current_app.extensions["motcua"], d, now)
    return out


def present_view(code: str, result: DossierView | Dossier) -> dict[str, Any]:
    """A command's answer: its view, or (for a repeat the command ignored) the dossier now."""
    return present(result.dossier, result) if isinstance(result, DossierView) else _view(code)


def _view(code: str) -> dict[str, Any]:
    ctx = current_app.extensions["motcua"]
    who = caller()
    view = dossiers.get_dossier(ctx, who, code)
    return {**present(view.dossier, view), "procedure_name": view.procedure_name,
            "acts": offered_acts(ctx, who, view)}


@blp.route("")
class Dossiers(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": DossierIn},
        "multipart/form-data": {"schema": IntakeForm}}})
    @blp.response(201, DossierOut)
    @blp.alt_response(200, schema=DossierOut, description="a retry with the same Idempotency-Key")
    @blp.alt_response(422, schema=Problem)
    @blp.alt_response(503, schema=Problem, description="database unavailable, or the commit's "
                      "outcome unknown: send it again with the same Idempotency-Key")
    @blp.alt_response(413, schema=Problem, description="a paper larger than "
                                                       "MOTCUA_MAX_DOCUMENT_BYTES")
    def post(self) -> Any:
        """Start a dossier on the active version of a procedure (header Idempotency-Key
        makes retries safe). As multipart, the applicant's papers come with it (the JSON in
        part `dossier`, each paper in a part `file.<kind>`): each is checked (a kind the
        procedure lists, a file name, the size, a format it accepts) before anything is
        kept, and kept with the dossier in one transaction; one refused refuses the dossier.
        A retry with the same Idempotency-Key and the same papers returns the first dossier."""
        ctx = current_app.extensions["motcua"]
        who = caller()
        body, papers = intake_request()
        key = request.headers.get("Idempotency-Key") or None
        result, _created = intake.start_dossier(
            ctx, who, process_key=body["process_key"], applicant=body["applicant"],
            data=body["data"], unit=body.get("unit"), channel=body["channel"],
            idempotency_key=key, handling_unit=body.get("handling_unit"),
            submitted_at=body.get("submitted_at"), papers=papers)
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
    @blp.alt_response(202, schema=BufferedOut, description="the process does not wait for "
                      "this message yet: it is kept until it does, or until it expires")
    @blp.alt_response(422, schema=Problem, description="no element of the process catches "
                      "a message of this name, or the dossier ended")
    def post(self, body: dict[str, Any], code: str, name: str) -> Any:
        """Deliver an external event to the process. One it does not wait for yet is kept
        (202) and delivered when the process gets there; a repeated message_id is ignored."""
        ctx = current_app.extensions["motcua"]
        result, _ = dossiers.deliver_message(ctx, caller(), code, name, body["payload"],
                                             body.get("message_id"), keep=True)
        if isinstance(result, Buffered):
            # A response of its own: the operation's 200 schema would drop these fields.
            kept = BufferedOut().dump({
                "buffered": True, "code": result.dossier.code, "name": result.name,
                "message_id": result.message_id, "expires_at": result.expires_at})
            return make_response(jsonify(kept), 202)
        return present_view(code, result)


@blp.route("/<code>/grants")
class Grants(MethodView):
    @blp.response(200, GrantList)
    def get(self, code: str) -> Any:
        """The other clients granted this dossier (for the client that started it, the
        province's administrators and auditors)."""
        ctx = current_app.extensions["motcua"]
        return {"code": code, "grants": grants.list_grants(ctx, caller(), code)}

    @blp.arguments(GrantIn())
    @blp.response(201, GrantOut)
    @blp.alt_response(200, schema=GrantOut, description="the client was granted it already")
    @blp.alt_response(422, schema=Problem, description="not an enabled client of the province")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Grant another client of the province the dossier: it reads it, lists it among
        its own and acts on it as the client that started it does (not grant it further).
        By the client that started it, or an administrator."""
        ctx = current_app.extensions["motcua"]
        found, created = grants.grant(ctx, caller(), code, body["client"])
        return found, 201 if created else 200


@blp.route("/<code>/grants/<int:client>")
class Grant(MethodView):
    @blp.response(204)
    def delete(self, code: str, client: int) -> Any:
        """Withdraw a client's grant of the dossier (204 also when it held none)."""
        ctx = current_app.extensions["motcua"]
        grants.revoke(ctx, caller(), code, client)
        return "", 204


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


@blp.route("/<code>/data")
class Data(MethodView):
    @blp.arguments(DataPatchIn())
    @blp.response(200, DataPatchOut)
    @blp.alt_response(422, schema=Problem)
    def patch(self, body: dict[str, Any], code: str) -> Any:
        """Repair a running dossier's data (designers, administrators): set the given keys
        where its next steps read them, with a reason; recorded in its history with each
        changed key's value before and after. Then retry its incident, or its officer
        completes the task again."""
        ctx = current_app.extensions["motcua"]
        done = repair.patch_data(ctx, caller(), code, body["data"], body["reason"])
        d = done.dossier
        return {"code": d.code, "status": d.status, "incident": d.incident_id,
                "changed": sorted(done.changed)}
