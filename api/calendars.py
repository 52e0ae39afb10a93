"""Working calendars: read and replace them, and try time limits on them."""
from __future__ import annotations

from datetime import UTC, date
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import Problem
from engine.calendar import to_local
from engine.errors import InvalidInput
from engine.services.design import calendars

blp = Blueprint("calendars", __name__, url_prefix="/api/v1/calendars",
                description="Working-time calendars: weekly hours, holidays, swapped days")


class OverrideDoc(Schema):
    date = fields.String(required=True, metadata={"format": "date"})
    kind = fields.String(required=True, validate=validate.OneOf(["day_off", "working_day"]))
    reason = fields.String()
    effective_from = fields.String(required=True, metadata={
        "format": "date", "description": "the row applies to dossiers received on or after this date"})
    hours = fields.List(fields.List(fields.String()), allow_none=True, metadata={
        "description": "opening hours of a working_day row, e.g. [[\"07:00\", \"11:30\"]]"})


class CalendarDoc(Schema):
    """A calendar as data (`engine.calendar.Calendar.to_dict()`)."""

    id = fields.String(metadata={"description": "optional in a PUT body; else the path's id"})
    name = fields.String()
    parent = fields.String(allow_none=True, metadata={
        "description": "calendar whose override rows this one inherits; `vn` when left out"})
    timezone = fields.String(metadata={"example": "Asia/Ho_Chi_Minh"})
    weekly = fields.Dict(metadata={
        "description": "opening hours per weekday: {\"mon\": [[\"07:00\", \"11:30\"], "
                       "[\"13:30\", \"17:00\"]], ..., \"sat\": []}"})
    use_national_holidays = fields.Boolean()
    overrides = fields.List(fields.Nested(OverrideDoc))


class CalendarQuery(Schema):
    resolved = fields.Boolean(load_default=False, metadata={
        "description": "merge the parent chain's override rows in"})


class AddQuery(Schema):
    start = fields.String(required=True, metadata={
        "description": "an instant with its UTC offset", "example": "2026-02-13T16:30:00+07:00"})
    working_days = fields.Float(validate=validate.Range(min=0))
    working_hours = fields.Float(validate=validate.Range(min=0))
    calendar_days = fields.Integer(validate=validate.Range(min=0))
    months = fields.Integer(validate=validate.Range(min=0))
    as_of = fields.Date(metadata={
        "description": "which override rows apply (default: the local date of start)"})


class AddOut(Schema):
    calendar = fields.String()
    start = fields.String()
    due = fields.String(metadata={"description": "UTC"})
    due_local = fields.String(metadata={"description": "Asia/Ho_Chi_Minh"})


@blp.route("/<calendar_id>")
class CalendarResource(MethodView):
    @blp.arguments(CalendarQuery(), location="query")
    @blp.response(200, CalendarDoc)
    @blp.alt_response(404, schema=Problem)
    def get(self, query: dict[str, Any], calendar_id: str) -> Any:
        """A calendar of your province, or the national one `vn`."""
        who = caller()
        ctx = current_app.extensions["motcua"]
        if query["resolved"]:
            return calendars.get_resolved(ctx, who, calendar_id).to_dict()
        return calendars.get_calendar(ctx, who, calendar_id).to_dict()

    @blp.doc(requestBody={"required": True,
                          "content": {"application/json": {"schema": CalendarDoc}}})
    @blp.response(200, CalendarDoc)
    @blp.alt_response(422, schema=Problem, description="field-level errors (JSON paths)")
    @blp.alt_response(403, schema=Problem)
    def put(self, calendar_id: str) -> Any:
        """Create or replace a calendar of your province (designer, admin; `vn`: admin)."""
        who = caller()
        body = request.get_json(silent=True)
        if body is None:
            raise InvalidInput("expected a JSON calendar object",
                               errors=[{"field": "$", "message": "expected a JSON object"}])
        ctx = current_app.extensions["motcua"]
        return calendars.put_calendar(ctx, who, calendar_id, body).to_dict()


@blp.route("/<calendar_id>/add")
class CalendarAdd(MethodView):
    @blp.arguments(AddQuery(), location="query")
    @blp.response(200, AddOut)
    @blp.alt_response(422, schema=Problem)
    @blp.alt_response(404, schema=Problem)
    def get(self, query: dict[str, Any], calendar_id: str) -> Any:
        """The due instant of a time limit (exactly one of working_days, working_hours,
        calendar_days, months) counted from `start` on this calendar."""
        who = caller()
        start = calendars.parse_instant(query["start"])
        as_of: date | None = query.get("as_of")
        due = calendars.add(current_app.extensions["motcua"], who, calendar_id, start,
                            working_days=query.get("working_days"),
                            working_hours=query.get("working_hours"),
                            calendar_days=query.get("calendar_days"),
                            months=query.get("months"), as_of=as_of)
        return {"calendar": calendar_id, "start": start.isoformat(),
                "due": due.astimezone(UTC).isoformat(),
                "due_local": to_local(due).isoformat()}
