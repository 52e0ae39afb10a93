"""Auditors: a dossier's record proven intact over HTTP (`motcua history verify` does the
same from the command line: api/history_cli.py)."""
from __future__ import annotations

import sys
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import Problem
from engine.services.records import anchors, audit, control_sheet, replay

blp = Blueprint("audit", __name__, url_prefix="/api/v1/dossiers",
                description="Auditors: proving a dossier's record intact")


class DivergenceOut(Schema):
    seq = fields.Integer(metadata={"description": "the first event out of place"})
    code = fields.String(metadata={"description": "the kind of divergence, for a page to say "
                                                  "in its language (event_altered, other_step…)"})
    reason = fields.String(metadata={"description": "the divergence said in English"})
    expected = fields.String()
    found = fields.String()


class ChainOut(Schema):
    intact = fields.Boolean()
    first_divergence = fields.Nested(DivergenceOut, allow_none=True)


class AnchorProblemOut(Schema):
    day = fields.String()
    code = fields.String(metadata={"description": "anchor_altered or anchor_unlinked"})
    reason = fields.String()


class AnchorsOut(Schema):
    intact = fields.Boolean()
    problems = fields.List(fields.Nested(AnchorProblemOut))


class ReexecutionOut(Schema):
    intact = fields.Boolean()
    first_divergence = fields.Nested(DivergenceOut, allow_none=True)
    steps_compared = fields.Integer(metadata={"description": "recorded steps the re-run ran"})
    digests_compared = fields.Integer(metadata={
        "description": "recorded state digests the re-run's state matched (older records "
                       "carry none)"})


class VerdictOut(Schema):
    code = fields.String()
    intact = fields.Boolean(metadata={
        "description": "the chain, the anchors and the re-execution all agree"})
    events = fields.Integer()
    head = fields.String(metadata={"description": "the hash the dossier says its chain ends with"})
    first_divergence = fields.Nested(DivergenceOut, allow_none=True, metadata={
        "description": "the chain's first event out of place, else the re-execution's"})
    chain = fields.Nested(ChainOut)
    anchors = fields.Nested(AnchorsOut)
    reexecution = fields.Nested(ReexecutionOut)


@blp.route("/<code>/history/verify")
class Verify(MethodView):
    @blp.response(200, VerdictOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, code: str) -> Any:
        """Re-compute the dossier's hash chain from its stored events (each must follow the
        one before and match its hash, the last must be the dossier's head), re-compute the
        daily anchor that holds its head (of the day of its last event, or the next one
        anchored), check the anchors linked, and re-execute its recorded inputs on the
        version it was started on, comparing each command's steps, status and state with
        what was recorded."""
        v = audit.verify_dossier(current_app.extensions["motcua"], caller(), code)
        again = v.reexecution
        return {"code": v.code, "intact": v.intact, "events": v.events, "head": v.head,
                "first_divergence": v.first_divergence,
                "chain": {"intact": v.chain_divergence is None,
                          "first_divergence": v.chain_divergence},
                "anchors": {"intact": not v.anchor_problems, "problems": [
                    {"day": p.day.isoformat(), "code": p.code, "reason": p.reason}
                    for p in v.anchor_problems]},
                "reexecution": {"intact": again is not None and again.intact,
                                "first_divergence": again.first_divergence if again else None,
                                "steps_compared": again.steps_compared if again else 0,
                                "digests_compared": again.digests_compared if again else 0}}


class ReplayQuery(Schema):
    seq = fields.Integer(required=True, metadata={
        "description": "the event after which to see the dossier (1 = its reception)"})


class ReplayStepOut(Schema):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    ready_since = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    warn_at = fields.DateTime(allow_none=True)


class ReplayOut(Schema):
    code = fields.String()
    seq = fields.Integer()
    through_seq = fields.Integer(metadata={
        "description": "the last event of the command that wrote event `seq` (one "
                       "transaction: the dossier was never seen between them)"})
    at = fields.DateTime()
    process_version = fields.Integer()
    status = fields.String()
    data = fields.Dict()
    current_steps = fields.List(fields.Nested(ReplayStepOut))
    waiting_messages = fields.List(fields.String())
    due_at = fields.DateTime(allow_none=True, metadata={"description": "statutory due instant"})
    warn_at = fields.DateTime(allow_none=True)
    paused = fields.Boolean()
    pause_count = fields.Integer()
    timeliness = fields.String(allow_none=True)
    new_appointment_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    first_divergence = fields.Nested(DivergenceOut, allow_none=True, metadata={
        "description": "where the re-execution parted from the record before `seq` (the "
                       "state is then as far as it got)"})
    completed_elements = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "the diagram's elements the record says ran up to then (through "
                       "`through_seq`), each with how many times (a loop passes again)"})
    active_elements = fields.List(fields.String(), metadata={
        "description": "the elements the dossier waited at then: user tasks ready, timers "
                       "and messages awaited"})


@blp.route("/<code>/replay")
class Replay(MethodView):
    @blp.arguments(ReplayQuery(), location="query")
    @blp.response(200, ReplayOut)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def get(self, query: dict[str, Any], code: str) -> Any:
        """The dossier as it stood after event `seq`: its history re-executed up to there on
        the version it was started on: status, data, open steps with their due instants,
        the statutory due instant and timeliness at that moment."""
        m = replay.replay(current_app.extensions["motcua"], caller(), code, query["seq"])
        return {"code": m.code, "seq": m.seq, "through_seq": m.through_seq, "at": m.at,
                "process_version": m.version, "status": m.status, "data": m.data,
                "current_steps": m.steps, "waiting_messages": m.waiting_messages,
                "due_at": m.due_at, "warn_at": m.warn_at, "paused": m.paused,
                "pause_count": m.pause_count, "timeliness": m.timeliness,
                "new_appointment_at": m.new_appointment_at, "finished_at": m.finished_at,
                "first_divergence": m.first_divergence,
                "completed_elements": m.path.completed, "active_elements": m.path.active}


class SheetQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "pdf"]))


class SheetStepOut(Schema):
    name = fields.String()
    handed_by = fields.String()
    received_by = fields.String()
    handed_at = fields.String()
    due_at = fields.String(allow_none=True)
    done_at = fields.String(allow_none=True)
    result = fields.String(metadata={"description": "early, on_time, late, open, cancelled"})
    done_by = fields.String()


class SheetOut(Schema):
    dossier_code = fields.String()
    unit_name = fields.String()
    agency = fields.String()
    applicant_name = fields.String()
    procedure = fields.String()
    received_at = fields.String()
    issued_at = fields.String()
    due_at = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(SheetStepOut))


@blp.route("/<code>/control-sheet")
class ControlSheet(MethodView):
    @blp.arguments(SheetQuery(), location="query")
    @blp.response(200, SheetOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, query: dict[str, Any], code: str) -> Any:
        """The process control sheet (form 06): every hand-over of the dossier, when, to
        whom, and whether each step finished before, on or after its due time; as JSON,
        `format=csv` or `format=pdf`."""
        sheet = control_sheet.control_sheet(current_app.extensions["motcua"], caller(), code)
        if query["format"] == "json":
            return sheet.to_dict()
        name, body = (control_sheet.as_pdf if query["format"] == "pdf"
                      else control_sheet.as_csv)(sheet)
        kind = "application/pdf" if query["format"] == "pdf" else "text/csv"
        return Response(body, mimetype=kind, headers={
            "Content-Disposition": f'inline; filename="{name}"'})


def run_anchor(province: str | None, settings: Any) -> int:
    """`motcua history anchor`: the anchors of the days that ended without one."""
    from engine.wiring import build_context

    ctx = build_context(settings)
    try:
        done = anchors.anchor_due(ctx, province)
    finally:
        ctx.db_engine.dispose()
    for p, day in done:
        print(f"{p} {day.isoformat()} anchored")
    print(f"{len(done)} days anchored", file=sys.stderr)
    return 0
