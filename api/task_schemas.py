"""The officers' tasks as the API reads and writes them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import MAX_OFFSET, TIMELINESS


class PrincipalRef(Schema):
    id = fields.Integer()
    name = fields.String()


class TaskOut(Schema):
    id = fields.String()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    status = fields.String()
    form = fields.String(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "step due (stepBudget)"})
    timeliness = fields.String(allow_none=True)
    dossier_code = fields.String()
    dossier_due_at = fields.DateTime(allow_none=True)
    dossier_timeliness = fields.String(allow_none=True)
    process_key = fields.String()
    procedure_name = fields.String(allow_none=True, metadata={
        "description": "the procedure's name in the province's catalogue (null: the "
                       "process is registered under no procedure)"})
    holder = fields.Nested(PrincipalRef, allow_none=True, metadata={
        "description": "who holds the task (claimed it or was assigned it): only they "
                       "complete it; null: any officer of its position"})
    held_since = fields.DateTime(allow_none=True)


class TaskPage(Schema):
    total = fields.Integer(metadata={"description": "how many tasks match, on every page"})
    items = fields.List(fields.Nested(TaskOut))


class TaskDetailOut(TaskOut):
    form_schema = fields.Dict(allow_none=True)
    data = fields.Dict()


class TaskQuery(Schema):
    status = fields.String(load_default="open",
                           validate=validate.OneOf(["open", "completed", "cancelled"]))
    timeliness = fields.String(validate=validate.OneOf(TIMELINESS))
    claimed = fields.Boolean(metadata={
        "description": "true: held tasks (yours; a head of department or leader: all of "
                       "the unit); false: tasks nobody holds; left out: both, yours"})
    process_key = fields.String(validate=validate.Length(1, 200))
    unit = fields.String(validate=validate.Length(1, 100))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class AssignIn(Schema):
    principal_id = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(1, 2**31 - 1), metadata={
                                      "description": "an officer with a membership at the "
                                                     "task's unit, in any position"})


class CompleteIn(Schema):
    data = fields.Dict(required=True)
