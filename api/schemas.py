"""Marshmallow schemas: request bodies and responses (they generate the OpenAPI document)."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from engine.search import QUERY_LENGTH
from engine.services.desk.offered import ACTS
from engine.services.flow.dossiers import STATUSES
from engine.services.flow.intake import CHANNELS

# Paging never skips more rows than a 32-bit count: larger offsets are refused, not sent
# to the database (where they overflow).
MAX_OFFSET = 2**31 - 1


class ErrorItem(Schema):
    element = fields.String(allow_none=True)
    field = fields.String()
    message = fields.String()
    scenario = fields.String(metadata={"description": "a failing scenario's name"})
    difference = fields.Dict(metadata={"description": "its first difference"})
    path = fields.List(fields.String(), metadata={"description": "the elements it ran"})
    name = fields.String(allow_none=True, metadata={"description": "the element's name"})
    incident_id = fields.Integer(metadata={"description": "the incident recording it"})
    keyword = fields.String(metadata={
        "description": "form-invalid: the JSON Schema keyword the field fails (required, "
                       "minLength, enum, format, …), so a client can word it in its language"})
    params = fields.Dict(metadata={
        "description": "form-invalid: the keyword's value: `property` (required), `limit` "
                       "(lengths, bounds, counts), `allowed` (enum, const), `type`, `format`, "
                       "`pattern`, `properties` (additionalProperties)"})


class Problem(Schema):
    code = fields.String(required=True)
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(ErrorItem))


class DossierIn(Schema):
    process_key = fields.String(required=True, validate=validate.Length(1, 200))
    applicant = fields.Dict(required=True)
    data = fields.Dict(load_default=dict)
    unit = fields.String(validate=validate.Length(1, 60))
    handling_unit = fields.String(validate=validate.Length(1, 60), metadata={
        "description": "the registered unit of your province in charge of deciding, when it is "
                       "not the receiving unit (reception regardless of territory); the "
                       "default unit of the dossier's tasks"})
    channel = fields.String(load_default="online", validate=validate.OneOf(CHANNELS), metadata={
        "description": "desk, online or post (the national portal's channels 1, 2 and 3)"})
    submitted_at = fields.AwareDateTime(metadata={
        "description": "online or post: when the applicant submitted it, as the portal "
                       "says (not in the future; left out: when it is received)"})


class StepOut(Schema):
    task_id = fields.String(attribute="id")
    element_id = fields.String()
    name = fields.String()
    position = fields.String()
    unit = fields.String()
    due_at = fields.DateTime(allow_none=True)


class SyncPacketOut(Schema):
    header = fields.Dict(metadata={"description": "code, procedure, sector, channel (1 desk, "
                         "2 online, 3 post), applicant (type 1 citizen … 4 other), dates "
                         "submitted / accepted / due / returned, status 1-10, processing unit"})
    documents = fields.List(fields.Dict())
    fees = fields.List(fields.Dict())
    supplement_requests = fields.List(fields.Dict())
    progress = fields.List(fields.Dict())


class PortalStatusOut(Schema):
    code = fields.Integer(metadata={"description": "1 submitted online … 10 result returned"})
    name = fields.String()


class DossierOut(Schema):
    code = fields.String()
    status = fields.String()
    process_key = fields.String()
    process_version = fields.Integer()
    unit = fields.String()
    handling_unit = fields.String()
    channel = fields.String()
    channel_code = fields.Integer(allow_none=True, metadata={
        "description": "the channel as the national portal codes it: 1 desk, 2 online, 3 post"})
    applicant = fields.Dict()
    submitted_at = fields.DateTime(metadata={
        "description": "when the applicant submitted it (online, post; at the desk: when "
                       "received)"})
    received_at = fields.DateTime(metadata={"description": "when the unit received "
                                                           "(accepted) it"})
    updated_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    end_event = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    next_wakeup = fields.DateTime(allow_none=True)
    procedure_code = fields.String(allow_none=True)
    procedure_name = fields.String(allow_none=True, metadata={
        "description": "the procedure's name in the province's catalogue (one dossier's "
                       "answer)"})
    calendar_id = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "statutory due instant (moved by the working time spent paused)"})
    due_at_local = fields.String(allow_none=True, metadata={"description": "in Asia/Ho_Chi_Minh"})
    warn_at = fields.DateTime(allow_none=True)
    timeliness = fields.String(allow_none=True, metadata={
        "description": "within_time / approaching / overdue, or early / on_time / late"})
    paused = fields.Boolean()
    paused_hours = fields.Float()
    pause_count = fields.Integer()
    flags = fields.List(fields.String())
    new_appointment_at = fields.DateTime(allow_none=True)
    apology_count = fields.Integer()
    portal_status = fields.Nested(PortalStatusOut, allow_none=True, metadata={
        "description": "the dossier's status code on the National Public Service Portal, "
                       "as the procedure's status_mapping reads its progress"})
    incident = fields.Integer(allow_none=True, metadata={
        "description": "an open incident of the dossier (GET /incidents/{id}); while one "
                       "opened by a timer is open, its timers wait for a retry"})
    current_steps = fields.List(fields.Nested(StepOut))
    data = fields.Dict()
    remaining_working_hours = fields.Float(allow_none=True, metadata={
        "description": "working hours left on the statutory clock until `due_at`, on the "
                       "dossier's calendar (negative: working hours past it); while paused, "
                       "what was left when it paused; null without a running clock"})
    acts = fields.List(fields.String(validate=validate.OneOf(ACTS)), metadata={
        "description": "the desk's acts you may perform on the dossier as it stands (in the "
                       "answer to GET /dossiers/{code}): supplement (POST …/supplement), "
                       "withdraw and stop (POST …/withdraw, kind withdrawn or stopped, form "
                       "05), apology (POST …/apology, form 04)"})


TIMELINESS = ["within_time", "approaching", "overdue", "early", "on_time", "late"]


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateOrInstant(fields.Field):  # type: ignore[type-arg]
    """A date (`2026-02-13`: the whole day in Vietnam's time) or an instant with its offset
    (`2026-02-13T08:00:00+07:00`), in the years 1900-9000."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any
                     ) -> date | datetime:
        if not isinstance(value, str):
            raise ValidationError("a date (YYYY-MM-DD) or an instant with its offset")
        try:
            found: date | datetime = (date.fromisoformat(value) if _DATE.fullmatch(value)
                                      else datetime.fromisoformat(value))
        except ValueError:
            raise ValidationError("a date (YYYY-MM-DD) or an instant with its offset, "
                                  "e.g. 2026-02-13T08:00:00+07:00") from None
        if isinstance(found, datetime) and found.utcoffset() is None:
            raise ValidationError("an instant needs its offset, e.g. +07:00")
        if not 1900 <= found.year <= 9000:
            raise ValidationError("must be in the years 1900-9000")
        return found


class DossierQuery(Schema):
    q = fields.String(validate=validate.Length(1, QUERY_LENGTH), metadata={
        "description": "a dossier code, an applicant's identity number, or words of the "
                       "applicant's name, with or without diacritics (`nguyen van a` finds "
                       "`Nguyễn Văn A`): each word begins a word of the name"})
    timeliness = fields.String(validate=validate.OneOf(TIMELINESS))
    sort = fields.String(load_default="-received_at",
                         validate=validate.OneOf(["-received_at", "received_at", "due_at"]))
    status = fields.String(validate=validate.OneOf(STATUSES))
    process_key = fields.String(validate=validate.Length(1, 200),
                                metadata={"description": "the procedure's process"})
    unit = fields.String(validate=validate.Length(1, 100),
                         metadata={"description": "the receiving unit"})
    handling_unit = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "the unit in charge of deciding (the receiving unit unless intake "
                       "named another)"})
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    received_from = DateOrInstant(metadata={
        "type": "string", "description": "received at or after: a date (from the start of "
                                         "that day in Vietnam's time) or an instant"})
    received_to = DateOrInstant(metadata={
        "type": "string", "description": "received at or before: a date (to the end of "
                                         "that day in Vietnam's time) or an instant"})
    mine = fields.Boolean(load_default=False, metadata={
        "description": "only the dossiers you started or were granted (a client's list "
                       "always is)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class DossierSummary(DossierOut):
    class Meta:
        exclude = ("data", "current_steps", "process_version", "remaining_working_hours",
                   "acts")


class DossierPage(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(DossierSummary))


class MessageIn(Schema):
    message_id = fields.String(validate=validate.Length(1, 200))
    payload = fields.Dict(load_default=dict)


class BufferedOut(Schema):
    buffered = fields.Boolean(metadata={"description": "true: the process does not wait for "
                                        "this message yet; it is kept until it does"})
    code = fields.String()
    name = fields.String()
    message_id = fields.String(allow_none=True)
    expires_at = fields.DateTime(metadata={"description": "dropped unless delivered by then"})


class GrantIn(Schema):
    client = fields.Integer(required=True, strict=True,
                            metadata={"description": "principal id of a client of your "
                                                     "province"})


class GrantOut(Schema):
    client = fields.Integer()
    client_name = fields.String()
    granted_by = fields.Integer()
    granted_at = fields.DateTime()


class GrantList(Schema):
    code = fields.String()
    grants = fields.List(fields.Nested(GrantOut))


class PrincipalIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(
        ["designer", "officer", "client", "auditor", "admin"]))
    unit = fields.String(validate=validate.Length(1, 100))
    position = fields.String(validate=validate.Length(1, 100))
    expires_at = fields.AwareDateTime(metadata={
        "description": "the token stops working then; left out: until rotated or revoked"})


class PrincipalOut(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    province = fields.String()
    unit = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    token = fields.String()


class DataPatchIn(Schema):
    data = fields.Dict(required=True, metadata={
        "description": "the keys to set in the dossier's data (others are kept)"})
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class DataPatchOut(Schema):
    code = fields.String()
    status = fields.String()
    incident = fields.Integer(allow_none=True)
    changed = fields.List(fields.String(), metadata={
        "description": "the keys that changed (their values before and after are in the "
                       "dossier's history)"})


class ApologyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 4000))
    new_appointment = fields.AwareDateTime(required=True, metadata={
        "description": "ISO instant with offset, later than the current appointment"})


class LimitSchema(Schema):
    value = fields.Float(required=True)
    unit = fields.String(required=True)


class RuleSetSchema(Schema):
    effective_from = fields.String(required=True, metadata={"format": "date"})
    limits = fields.Dict(keys=fields.String(), values=fields.Nested(LimitSchema), required=True,
                         metadata={"description": "channel (desk/online/post/default) -> limit"})
    warning = fields.Nested(LimitSchema, allow_none=True)
    apologies_allowed = fields.Integer()
    calendar = fields.String()


class ProcedureSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(required=True)
    process_key = fields.String(required=True)
    sector = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    rules = fields.List(fields.Nested(RuleSetSchema), required=True)
    status_mapping = fields.Dict(keys=fields.String(), values=fields.Integer())
    apology_positions = fields.List(fields.String(), metadata={
        "description": "positions that may apologise and give a new appointment (form 04); "
                       "empty: any officer of the receiving unit"})
    message_ttl_hours = fields.Float(allow_none=True, metadata={
        "description": "hours a message that came before the process waited for it is kept "
                       "(left out: the platform's MOTCUA_MESSAGE_TTL_HOURS)"})
    documents = fields.List(fields.Dict(), metadata={
        "description": "the published list of documents: {kind, name}; uploads name a kind"})
    other_documents = fields.Boolean(metadata={
        "description": "whether papers outside the list may be sent (kind other)"})
    document_formats = fields.List(fields.String(), metadata={
        "description": "formats accepted, told by the files' content: pdf, jpeg, png (the "
                       "default), docx, xlsx, doc, xls, odt, ods"})


class DocumentOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "receipt: form 01, the receipt and "
                                                  "appointment slip; a kind of the "
                                                  "procedure's list of documents, other, or "
                                                  "result for a submitted file"})
    source = fields.String(metadata={"description": "issued (by the platform) or submitted "
                                                    "(a file sent by a client or officer)"})
    form = fields.String(allow_none=True)
    file_name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True, metadata={
        "description": "the principal who issued or sent it (none: the platform)"})


class DocumentUploadForm(Schema):
    kind = fields.String(required=True, metadata={
        "description": "one of the procedure's documents (GET /procedures/{code}: "
                       "documents[].kind), other if it allows, or result (the officer "
                       "holding the dossier)"})
    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                       required=True, metadata={
                           "description": "one or more files (MOTCUA_MAX_DOCUMENT_FILES), "
                                          "each at most MOTCUA_MAX_DOCUMENT_BYTES; their "
                                          "content must be of the procedure's "
                                          "document_formats"})


class DocumentsOut(Schema):
    code = fields.String()
    documents = fields.List(fields.Nested(DocumentOut))
