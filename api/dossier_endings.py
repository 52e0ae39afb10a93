"""Withdrawal by the applicant and stop of processing (form 05)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.dossiers import present
from api.schemas import DossierOut, Problem
from engine.services import withdrawal

blp = Blueprint("dossier_endings", __name__, url_prefix="/api/v1/dossiers",
                description="Dossiers: withdrawal by the applicant, stop of processing")


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
