"""What the history operations take and answer: a page of a dossier's events, each naming
its actor as they were."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ActorOut(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    role = fields.String(allow_none=True, metadata={
        "description": "the principal's role, or `system` (timers, clock crossings)"})
    unit = fields.String(allow_none=True, metadata={"description": "the unit acted at"})
    position = fields.String(allow_none=True, metadata={
        "description": "the position acted in"})


class HistoryEventOut(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.Nested(ActorOut, allow_none=True, metadata={
        "description": "who did it, as they were then (recorded in the payload, sealed by "
                       "the chain); events recorded before actors were named give only "
                       "the id"})
    element_id = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    payload = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


HISTORY_PAGE, HISTORY_PAGE_MAX = 100, 1000


class HistoryQuery(Schema):
    after_seq = fields.Integer(load_default=0, validate=validate.Range(0, 2**31 - 1),
                               metadata={"description": "events after this one (0: from "
                                                        "the first)"})
    limit = fields.Integer(load_default=HISTORY_PAGE, validate=validate.Range(
        1, HISTORY_PAGE_MAX), metadata={"description": f"at most {HISTORY_PAGE_MAX}; "
                                                       f"{HISTORY_PAGE} by default"})


class HistoryOut(Schema):
    code = fields.String()
    total = fields.Integer(metadata={"description": "how many events the dossier has"})
    items = fields.List(fields.Nested(HistoryEventOut))
    next_after_seq = fields.Integer(allow_none=True, metadata={
        "description": "`after_seq` of the next page; null: this is the last"})
