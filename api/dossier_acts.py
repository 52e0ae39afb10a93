"""The acts of the desk on a dossier: the applicant's supplement, withdrawal by the applicant
and stop of processing (form 05)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.dossiers import present, present_view
from api.schemas import DossierOut, Problem
from engine.services.desk import supplement, withdrawal

blp = Blueprint("dossier_acts", __name__, url_prefix="/api/v1/dossiers",
                description="Dossiers: the applicant's supplement, withdrawal, stop of "
                            "processing")


class DocumentIn(Schema):
    kind = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "which of the procedure's papers, e.g. Bản sao giấy tờ tùy thân"})
    name = fields.String(required=True, validate=validate.Length(1, 300))


class SupplementIn(Schema):
    documents = fields.List(fields.Nested(DocumentIn), required=True,
                            validate=validate.Length(1, 50))
    note = fields.String(validate=validate.Length(1, 2000))
    channel = fields.String(validate=validate.OneOf(supplement.CHANNELS), metadata={
        "description": "how it came: online (default for a client), desk (default for an "
                       "officer), post"})
    message_id = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "a repeat with the same id is ignored"})


@blp.route("/<code>/supplement")
class Supplement(MethodView):
    @blp.arguments(SupplementIn())
    @blp.response(200, DossierOut)
    @blp.alt_response(409, schema=Problem, description="no supplement was asked for")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Deliver the supplement an officer asked for: the process moves on and the
        statutory clock resumes."""
        ctx = current_app.extensions["motcua"]
        who = caller()
        result, _ = supplement.deliver_supplement(
            ctx, who, code, documents=body["documents"], note=body.get("note"),
            channel=body.get("channel") or ("desk" if who.role == "officer" else "online"),
            message_id=body.get("message_id"))
        return present_view(code, result)


class EndIn(Schema):
    kind = fields.String(load_default="withdrawn", validate=validate.OneOf(withdrawal.ENDINGS),
                         metadata={"description": "withdrawn: at the applicant's request "
                                                  "(the client that started the dossier, or the "
                                                  "receiving unit's desk); stopped: processing "
                                                  "stopped by a unit handling it"})
    reason = fields.String(required=True, validate=validate.Length(1, withdrawal.MAX_REASON))


@blp.route("/<code>/withdraw")
class Withdraw(MethodView):
    @blp.arguments(EndIn())
    @blp.response(200, DossierOut)
    @blp.alt_response(409, schema=Problem, description="the dossier already ended")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """End the dossier (form 05): its open tasks are cancelled, the statutory clock stops,
        and its status becomes `withdrawn` or `stopped`."""
        ctx = current_app.extensions["motcua"]
        dossier = withdrawal.end_dossier(ctx, caller(), code, kind=body["kind"],
                                         reason=body["reason"])
        return present(dossier)
