"""Auditors: a dossier's record proven intact over HTTP; `motcua history verify` for every
dossier of a province."""
from __future__ import annotations

import sys
from datetime import date, datetime, time
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import Problem
from engine.codes import LOCAL_TZ
from engine.services.records import anchors, audit, control_sheet

blp = Blueprint("audit", __name__, url_prefix="/api/v1/dossiers",
                description="Auditors: proving a dossier's record intact")


class DivergenceOut(Schema):
    seq = fields.Integer(metadata={"description": "the first event out of place"})
    reason = fields.String()
    expected = fields.String()
    found = fields.String()


class VerdictOut(Schema):
    code = fields.String()
    intact = fields.Boolean()
    events = fields.Integer()
    head = fields.String(metadata={"description": "the hash the dossier says its chain ends with"})
    first_divergence = fields.Nested(DivergenceOut, allow_none=True)


@blp.route("/<code>/history/verify")
class Verify(MethodView):
    @blp.response(200, VerdictOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, code: str) -> Any:
        """Re-compute the dossier's hash chain from its stored events: each must follow the
        one before and match its hash, and the last must be the dossier's head."""
        verdict = audit.verify_dossier(current_app.extensions["motcua"], caller(), code)
        return {"code": verdict.code, "intact": verdict.intact, "events": verdict.events,
                "head": verdict.head, "first_divergence": verdict.first_divergence}


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


def run_verify(province: str | None, since: str | None, settings: Any) -> int:
    """`motcua history verify`: exit 1 naming every dossier and event at fault."""
    from tqdm import tqdm

    from engine.wiring import build_context

    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), time(), LOCAL_TZ)
        except ValueError:
            print(f"error: --since {since!r}: a date such as 2026-01-31", file=sys.stderr)
            return 2
    ctx = build_context(settings)
    broken = checked = bad_anchors = 0
    try:
        provinces = [province] if province else audit.provinces(ctx)
        for p in provinces:
            total = audit.count_dossiers(ctx, p, start)
            with tqdm(total=total, unit="dossier", desc=p, file=sys.stderr,
                      disable=None) as bar:
                for verdict in audit.verify_province(ctx, p, since=start,
                                                     progress=bar.update):
                    checked += 1
                    if not verdict.intact:
                        broken += 1
                        d = verdict.first_divergence or {}
                        print(f"{p} {verdict.code}: event {d.get('seq')}: {d.get('reason')} "
                              f"(expected {d.get('expected')}, found {d.get('found')})")
            for problem in anchors.verify_anchors(ctx, p, start.date() if start else None):
                bad_anchors += 1
                print(f"{p} anchor {problem.day.isoformat()}: {problem.reason}")
    finally:
        ctx.db_engine.dispose()
    print(f"{checked} dossiers checked, {broken} not intact; {bad_anchors} anchors at fault",
          file=sys.stderr)
    return 1 if broken or bad_anchors else 0


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
