"""Process designers: move a process's running dossiers from one version to another."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import MAX_OFFSET
from engine.services.design.versions import MAX_VERSION
from engine.services.flow import migrations
from engine.services.flow.migrations import DRY_RUN_LIMIT, MAX_MAPPING

blp = Blueprint("dossier-migrations", __name__, url_prefix="/api/v1/process-definitions",
                description="Move running dossiers to another version of their process")

_VERSION = validate.Range(1, MAX_VERSION)


class MigrationIn(Schema):
    from_version = fields.Integer(required=True, validate=_VERSION)
    to_version = fields.Integer(required=True, validate=_VERSION)
    mapping = fields.Dict(keys=fields.String(validate=validate.Length(1, 200)),
                          values=fields.String(validate=validate.Length(1, 200)),
                          load_default=dict, validate=validate.Length(max=MAX_MAPPING),
                          metadata={"description": "old element id -> new element id, for "
                                                   "elements renamed or replaced"})
    dry_run = fields.Boolean(load_default=False)
    dossiers = fields.List(fields.String(validate=validate.Length(1, 100)),
                           validate=validate.Length(1, 10_000), metadata={
                               "description": "only these dossiers (codes)"})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET), metadata={
        "description": f"dry run: the page's first dossier ({DRY_RUN_LIMIT} per page)"})


class MigrationQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class AssessmentOut(Schema):
    code = fields.String()
    can_move = fields.Boolean()
    reasons = fields.List(fields.Dict(), metadata={
        "description": "why not: `element` and `reason` (element_removed, "
                       "element_type_changed, event_changed, form_field_required...)"})


class DossierResultOut(Schema):
    code = fields.String()
    status = fields.String(metadata={"description": "pending, moved, skipped, failed"})
    reasons = fields.List(fields.Dict())
    at = fields.DateTime(allow_none=True)


class MigrationOut(Schema):
    dry_run = fields.Boolean()
    id = fields.Integer()
    process_key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    mapping = fields.Dict()
    status = fields.String(metadata={"description": "running or finished"})
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    total = fields.Integer()
    moved = fields.Integer()
    skipped = fields.Integer()
    failed = fields.Integer()
    left = fields.Integer()
    offset = fields.Integer()
    next_offset = fields.Integer(allow_none=True)
    results = fields.List(fields.Nested(AssessmentOut), metadata={"description": "dry run"})
    dossiers = fields.List(fields.Nested(DossierResultOut))


@blp.route("/<key>/migrations")
class Migrations(MethodView):
    @blp.arguments(MigrationIn)
    @blp.response(200, MigrationOut)
    def post(self, body: dict[str, Any], key: str) -> Any:
        """A dry run says at once, per running dossier (a page), whether it can move and
        why not; a real run records the migration and moves the dossiers in the background
        (follow it with GET …/migrations/{id})."""
        return migrations.start(current_app.extensions["motcua"], caller(), key,
                                from_version=body["from_version"],
                                to_version=body["to_version"], mapping=body["mapping"],
                                dry_run=body["dry_run"], dossiers=body.get("dossiers"),
                                offset=body["offset"])


@blp.route("/<key>/migrations/<int:migration_id>")
class Migration(MethodView):
    @blp.arguments(MigrationQuery, location="query")
    @blp.response(200, MigrationOut)
    def get(self, query: dict[str, Any], key: str, migration_id: int) -> Any:
        """The migration's progress and a page of its results per dossier."""
        return migrations.get(current_app.extensions["motcua"], caller(), key, migration_id,
                              limit=query["limit"], offset=query["offset"])
