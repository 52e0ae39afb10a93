"""Administrators manage the principals of their province (tokens are shown once); auditors
may read them."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import MAX_OFFSET, PrincipalIn, PrincipalOut, Problem
from engine.access import ROLES
from engine.services.org import principals
from engine.services.org.auth import new_principal

blp = Blueprint("principals", __name__, url_prefix="/api/v1/principals",
                description="Users and integrating systems of a province")


class MembershipDoc(Schema):
    unit = fields.String(required=True, validate=validate.Length(1, 100))
    position = fields.String(required=True, validate=validate.Length(1, 100))


class PrincipalView(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    province = fields.String()
    unit = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    memberships = fields.List(fields.Nested(MembershipDoc), metadata={
        "description": "further (unit, position) pairs held beside unit and position"})
    disabled = fields.Boolean()
    disabled_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    token_issued_at = fields.DateTime()
    token_expires_at = fields.DateTime(allow_none=True)
    token_revoked = fields.Boolean()
    subject = fields.String(allow_none=True, metadata={
        "description": "issuer and subject of a principal that signs in through the "
                       "province's OIDC provider (made at its first sign-in); null otherwise"})


class PrincipalWithToken(PrincipalView):
    token = fields.String(metadata={"description": "shown this once; only its hash is kept"})


class RotateIn(Schema):
    expires_at = fields.AwareDateTime(metadata={
        "description": "the new token stops working then; left out: until rotated or revoked"})


class PrincipalQuery(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    unit = fields.String()
    disabled = fields.Boolean()
    q = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "part of the name, its case and diacritics ignored (`tiep nhan` "
                       "finds `Cán bộ tiếp nhận`)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class PrincipalPage(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(PrincipalView))


class PrincipalPatch(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    unit = fields.String(allow_none=True, validate=validate.Length(1, 100))
    position = fields.String(allow_none=True, validate=validate.Length(1, 100))
    disabled = fields.Boolean(metadata={
        "description": "true: its token no longer works; false: enabled again"})
    memberships = fields.List(fields.Nested(MembershipDoc), metadata={
        "description": "an officer's further (unit, position) pairs, e.g. a department's "
                       "specialist seconded to the centre's reception desk; replaces the "
                       "ones held"})


@blp.route("")
class Principals(MethodView):
    @blp.arguments(PrincipalQuery(), location="query")
    @blp.response(200, PrincipalPage)
    def get(self, query: dict[str, Any]) -> Any:
        """The principals of your province (never their tokens)."""
        total, items = principals.list_principals(current_app.extensions["motcua"], caller(),
                                                  **query)
        return {"total": total, "items": items}

    @blp.arguments(PrincipalIn())
    @blp.response(201, PrincipalOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a principal in your province; the response holds its token, once."""
        made, token = new_principal(current_app.extensions["motcua"], caller(), **body)
        return {**made.__dict__, "token": token}


@blp.route("/<int:principal_id>")
class PrincipalResource(MethodView):
    @blp.response(200, PrincipalView)
    @blp.alt_response(404, schema=Problem)
    def get(self, principal_id: int) -> Any:
        """A principal of your province."""
        return principals.get_principal(current_app.extensions["motcua"], caller(),
                                        principal_id)

    @blp.arguments(PrincipalPatch())
    @blp.response(200, PrincipalView)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def patch(self, changes: dict[str, Any], principal_id: int) -> Any:
        """Change a principal's name, unit or position; disable or enable it. Other API
        processes notice within the token cache's time (README)."""
        return principals.change_principal(current_app.extensions["motcua"], caller(),
                                           principal_id, changes)


@blp.route("/<int:principal_id>/token")
class PrincipalToken(MethodView):
    @blp.arguments(RotateIn(), required=False)
    @blp.response(201, PrincipalWithToken)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def post(self, body: dict[str, Any], principal_id: int) -> Any:
        """Rotate: a new token, shown once; the old one stops working."""
        view, token = principals.rotate_token(current_app.extensions["motcua"], caller(),
                                              principal_id, body.get("expires_at"))
        return {**view, "token": token}

    @blp.response(204)
    @blp.alt_response(404, schema=Problem)
    def delete(self, principal_id: int) -> Any:
        """Revoke: the token stops working; the principal has none until rotated."""
        principals.revoke_token(current_app.extensions["motcua"], caller(), principal_id)
        return ""
