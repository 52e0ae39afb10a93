"""Administrators: create principals of their own province (tokens are shown once)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import PrincipalIn, PrincipalOut
from engine.services.auth import new_principal

blp = Blueprint("principals", __name__, url_prefix="/api/v1/principals",
                description="Users and integrating systems of a province")


@blp.route("")
class Principals(MethodView):
    @blp.arguments(PrincipalIn())
    @blp.response(201, PrincipalOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a principal in your province; the response holds its token, once."""
        made, token = new_principal(current_app.extensions["motcua"], caller(), **body)
        return {**made.__dict__, "token": token}
