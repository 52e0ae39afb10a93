"""Form 07, a unit's tracking book for a period: its own officers, auditors and
administrators read it as JSON, CSV or PDF."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import Problem
from engine.services.records import tracking_book

blp = Blueprint("tracking_book", __name__, url_prefix="/api/v1",
                description="Records: a unit's tracking book (form 07)")


class BookQuery(Schema):
    start = fields.Date(required=True, data_key="from", metadata={
        "description": "the first day (YYYY-MM-DD, Vietnam's time)"})
    end = fields.Date(required=True, data_key="to", metadata={
        "description": f"the last day, included; at most {tracking_book.MAX_DAYS} days "
                       "from the first"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "pdf"]))


class BookRowOut(Schema):
    dossier_code = fields.String()
    procedure = fields.String()
    applicant_name = fields.String()
    applicant_address = fields.String()
    applicant_phone = fields.String()
    lead_unit = fields.String(metadata={"description": "the unit in charge of deciding"})
    received_at = fields.String()
    appointment_at = fields.String(allow_none=True, metadata={
        "description": "the appointment for the result (a new one after an apology)"})
    handed_over_at = fields.String(allow_none=True)
    handed_over_to = fields.String()
    result_back_at = fields.String(allow_none=True, metadata={
        "description": "the dossier came back to the receiving unit with the result"})
    returned_at = fields.String(allow_none=True)
    returned_to = fields.String()
    status = fields.String()
    timeliness = fields.String(allow_none=True)
    remarks = fields.String()


class BookOut(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    agency = fields.String()
    period_from = fields.String()
    period_to = fields.String()
    issued_at = fields.String()
    applicants_shown = fields.Boolean(metadata={
        "description": "false for administrators: names and addresses left out"})
    rows = fields.List(fields.Nested(BookRowOut))


@blp.route("/units/<code>/tracking-book")
class TrackingBook(MethodView):
    @blp.arguments(BookQuery(), location="query")
    @blp.response(200, BookOut)
    @blp.alt_response(403, schema=Problem)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def get(self, query: dict[str, Any], code: str) -> Any:
        """The tracking book (form 07): every dossier the unit received or was handed in
        the period, with its appointment, hand-overs, return of result and timeliness; as
        JSON, `format=csv` (UTF-8 with a byte-order mark) or `format=pdf`."""
        book = tracking_book.tracking_book(current_app.extensions["motcua"], caller(), code,
                                           query["start"], query["end"])
        if query["format"] == "json":
            return book.to_dict()
        name, body = (tracking_book.as_pdf if query["format"] == "pdf"
                      else tracking_book.as_csv)(book)
        kind = "application/pdf" if query["format"] == "pdf" else "text/csv"
        return Response(body, mimetype=kind, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
