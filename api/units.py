"""Administrators keep the province's units (official code, name, kind, parent) and kinds of
unit; everyone of the province may read them."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import MAX_OFFSET, Problem
from engine.org.units import NAME_LENGTH
from engine.services.org import units

blp = Blueprint("units", __name__, url_prefix="/api/v1",
                description="The province's units and kinds of unit")


class UnitIn(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 100), metadata={
        "example": "000.00.06.H56", "description": "the official code of the unit"})
    name = fields.String(required=True, validate=validate.Length(1, NAME_LENGTH))
    kind = fields.String(required=True, metadata={"description": "see GET /unit-kinds"})
    parent = fields.String(allow_none=True, metadata={
        "description": "code of a registered unit of the province"})


class UnitPatch(Schema):
    name = fields.String(validate=validate.Length(1, NAME_LENGTH))
    kind = fields.String()
    parent = fields.String(allow_none=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "the kind's level"})
    parent = fields.String(allow_none=True)
    registered = fields.Boolean(metadata={
        "description": "false: only named by a principal or dossier so far"})
    registered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class UnitQuery(Schema):
    kind = fields.String()
    parent = fields.String()
    registered = fields.Boolean()
    q = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "part of the code or name"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class UnitPage(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(UnitOut))


class KindIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    level = fields.String(required=True, validate=validate.Length(1, 50), metadata={
        "description": "the level of government, e.g. province, commune (district in the "
                       "older three-level organisation)"})


class PositionIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))


class PositionOut(Schema):
    code = fields.String()
    name = fields.String()
    platform = fields.Boolean(metadata={"description": "one of the platform's own positions"})


class KindOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    platform = fields.Boolean(metadata={"description": "one of the platform's own kinds"})


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(UnitQuery(), location="query")
    @blp.response(200, UnitPage)
    def get(self, query: dict[str, Any]) -> Any:
        """The province's units, registered or only named so far."""
        total, items = units.list_units(current_app.extensions["motcua"], caller(), **query)
        return {"total": total, "items": items}

    @blp.arguments(UnitIn())
    @blp.response(201, UnitOut)
    @blp.alt_response(200, schema=UnitOut, description="a unit already named is registered")
    @blp.alt_response(409, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a unit of your province."""
        unit, created = units.register_unit(current_app.extensions["motcua"], caller(), body)
        return unit, 201 if created else 200


@blp.route("/units/<code>")
class UnitResource(MethodView):
    @blp.response(200, UnitOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, code: str) -> Any:
        """A unit of your province."""
        return units.get_unit(current_app.extensions["motcua"], caller(), code)

    @blp.arguments(UnitPatch())
    @blp.response(200, UnitOut)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def patch(self, changes: dict[str, Any], code: str) -> Any:
        """Change a registered unit's name, kind or parent."""
        return units.change_unit(current_app.extensions["motcua"], caller(), code, changes)


@blp.route("/unit-kinds")
class Kinds(MethodView):
    @blp.response(200, KindOut(many=True))
    def get(self) -> Any:
        """The kinds of unit: the platform's and your province's own."""
        return units.list_kinds(current_app.extensions["motcua"], caller())


@blp.route("/unit-kinds/<code>")
class KindResource(MethodView):
    @blp.arguments(KindIn())
    @blp.response(200, KindOut)
    @blp.alt_response(201, schema=KindOut, description="a new kind")
    @blp.alt_response(422, schema=Problem)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Add or change a kind of unit of your province."""
        kind, created = units.put_kind(current_app.extensions["motcua"], caller(), code, body)
        return kind, 201 if created else 200


@blp.route("/positions")
class Positions(MethodView):
    @blp.response(200, PositionOut(many=True))
    def get(self) -> Any:
        """The positions officers hold: the platform's and your province's own."""
        return units.list_positions(current_app.extensions["motcua"], caller())


@blp.route("/positions/<code>")
class PositionResource(MethodView):
    @blp.arguments(PositionIn())
    @blp.response(200, PositionOut)
    @blp.alt_response(201, schema=PositionOut, description="a position new to your province")
    @blp.alt_response(422, schema=Problem)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Add or rename a position of your province."""
        out, created = units.put_position(current_app.extensions["motcua"], caller(), code,
                                          body)
        return out, 201 if created else 200
