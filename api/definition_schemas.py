"""Schemas of the process designers' operations: deployments, versions and their states,
scenario runs and diffs."""
from __future__ import annotations

from marshmallow import Schema, fields


class TransitionOut(Schema):
    from_status = fields.String(allow_none=True, metadata={
        "description": "the state before (none: the version was deployed)"})
    to_status = fields.String()
    at = fields.DateTime()
    by = fields.Integer(allow_none=True, metadata={"description": "the principal's id"})
    by_name = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class ScenarioOut(Schema):
    name = fields.String()
    passed = fields.Boolean()
    path = fields.List(fields.String(), metadata={
        "description": "ids of the elements that ran, in order"})
    difference = fields.Dict(allow_none=True, metadata={
        "description": "the first difference from what the scenario expects: `at` (where in "
                       "the scenario: steps/N, expect/...), `message`, `expected`, `actual`"})
    steps = fields.Integer(metadata={"description": "engine steps it took"})


class DefinitionOut(Schema):
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    content_hash = fields.String()
    forms = fields.Method("form_names")
    deployed_at = fields.DateTime()
    status = fields.String(metadata={
        "description": "draft, active (new dossiers start on it; one per process) or retired"})
    transitions = fields.List(fields.Nested(TransitionOut), metadata={
        "description": "every change of state, oldest first"})
    running = fields.Integer(metadata={
        "description": "dossiers still under way on this version (in process, or stopped by "
                       "an incident): they continue on it whatever its state"})

    def form_names(self, obj: object) -> list[str]:
        forms = obj.get("forms") if isinstance(obj, dict) else getattr(obj, "forms", None)
        return sorted(forms or {})


class DeployedOut(DefinitionOut):
    created = fields.Boolean()
    scenarios = fields.List(fields.Nested(ScenarioOut), allow_none=True, metadata={
        "description": "each uploaded scenario's run (none uploaded: null)"})


_BINARY = {"type": "string", "format": "binary"}


class ValidateForm(Schema):
    bpmn = fields.Raw(metadata=_BINARY, required=True)
    forms = fields.List(fields.Raw(metadata=_BINARY))
    scenarios = fields.Raw(metadata={**_BINARY, "description": (
        "a *.scenarios.json (processes/README.md): run in memory on the diagram before "
        "anything is stored")})


class DeployForm(ValidateForm):
    force = fields.Boolean(metadata={"description": "deploy even if a scenario fails"})
    activate = fields.Boolean(metadata={
        "description": "false: the new version is a draft; true: make even an identical "
                       "existing version the active one (default: a new version is active, "
                       "an existing one keeps its state)"})


class DeployQuery(Schema):
    force = fields.Boolean(metadata={"description": "deploy even if a scenario fails"})
    activate = fields.Boolean(metadata={"description": "as the form field `activate`"})


class ValidationOut(Schema):
    valid = fields.Boolean(metadata={
        "description": "every check passed and every uploaded scenario ran as it expects"})
    key = fields.String()
    name = fields.String()
    user_tasks = fields.List(fields.Dict())
    scenarios = fields.List(fields.Nested(ScenarioOut))


class DiffOut(Schema):
    key = fields.String()
    base = fields.Integer(metadata={"description": "version a"})
    other = fields.Integer(metadata={"description": "version b"})
    added = fields.List(fields.Dict(), metadata={"description": "elements of b not in a"})
    removed = fields.List(fields.Dict(), metadata={"description": "elements of a not in b"})
    changed = fields.List(fields.Dict(), metadata={
        "description": "elements of both that differ: `attributes` names what changed, "
                       "`details` its value in a and in b"})
    forms = fields.Dict(metadata={
        "description": "form files added and removed, and per changed form the fields "
                       "added (`added_required`: those added as required), removed, made "
                       "required or optional, or changed"})


class FormsOut(Schema):
    key = fields.String()
    version = fields.Integer()
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "form file name -> its JSON Schema, as deployed"})
    start_form = fields.String(allow_none=True, metadata={
        "description": "the form of `forms` its start events name: intake's applicant and "
                       "data are checked against it (none: intake takes any data)"})
