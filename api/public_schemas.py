"""What the public side of the API takes and answers: the applicant's proof, the lookup and
the rating."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import PortalStatusOut


class ProofQuery(Schema):
    id_number = fields.String(load_default=None, validate=validate.Length(max=50), metadata={
        "description": "the applicant's identity number (or give `secret`)"})
    secret = fields.String(load_default=None, validate=validate.Length(max=16), metadata={
        "description": "the lookup secret printed on the receipt (form 01)"})


class PublicDocumentOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    form = fields.String(allow_none=True)
    file_name = fields.String()
    created_at = fields.DateTime()


class PublicDossierOut(Schema):
    code = fields.String()
    procedure = fields.String()
    status = fields.String(metadata={"description": "in words, in Vietnamese"})
    portal_status = fields.Nested(PortalStatusOut, allow_none=True)
    received_at = fields.DateTime()
    appointment = fields.DateTime(allow_none=True, metadata={
        "description": "the appointment to return the result (a new one after an apology)"})
    paused = fields.Boolean()
    paused_reason = fields.String(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    documents = fields.List(fields.Nested(PublicDocumentOut))


class RatingIn(Schema):
    level = fields.Raw(required=True, metadata={
        "description": "1 very dissatisfied, 2 dissatisfied, 3 neutral, 4 satisfied, "
                       "5 very satisfied"})
    criteria = fields.Raw(load_default=None, metadata={
        "description": "the sheet of nine criteria: c1..c9 -> 0 not met, 1 met, 2 good"})
    complaint = fields.Raw(load_default=None, metadata={
        "description": "a complaint or recommendation, linked to the dossier"})
    id_number = fields.String(load_default=None, validate=validate.Length(max=50))
    secret = fields.String(load_default=None, validate=validate.Length(max=16))


class RatingOut(Schema):
    code = fields.String()
    level = fields.Integer()
    level_name = fields.String()
    criteria = fields.Dict()
    complaint = fields.String(allow_none=True)
    channel = fields.String(metadata={"description": "applicant, portal or desk"})
    rated_at = fields.DateTime()
