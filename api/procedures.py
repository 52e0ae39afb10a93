"""Process designers: procedure metadata and statutory rule sets."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import Problem, ProcedureSchema
from engine.services.design import procedures

blp = Blueprint("procedures", __name__, url_prefix="/api/v1/procedures",
                description="Procedures: statutory limits per channel, warning band, calendar")


@blp.route("")
class Procedures(MethodView):
    @blp.response(200, ProcedureSchema(many=True))
    def get(self) -> Any:
        """Every procedure of your province."""
        return [p.to_dict() for p in procedures.list_procedures(current_app.extensions["motcua"],
                                                                 caller())]


@blp.route("/<code>")
class ProcedureResource(MethodView):
    @blp.doc(requestBody={"content": {"application/json": {"schema": ProcedureSchema}}})
    @blp.response(200, ProcedureSchema)
    @blp.alt_response(201, schema=ProcedureSchema)
    @blp.alt_response(422, schema=Problem, description="errors name JSON paths")
    def put(self, code: str) -> Any:
        """Create or replace a procedure; rule sets apply to dossiers received on or after
        their `effective_from`."""
        body = request.get_json(silent=True)
        found, created = procedures.put_procedure(current_app.extensions["motcua"],
                                                  caller(), code, body)
        return found.to_dict(), 201 if created else 200

    @blp.response(200, ProcedureSchema)
    def get(self, code: str) -> Any:
        return procedures.get_procedure(current_app.extensions["motcua"], caller(), code).to_dict()
