"""Process designers: deploy, validate and browse process versions."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.body_limits import TooLarge
from api.definition_schemas import (
    DefinitionOut,
    DeployedOut,
    DeployForm,
    DeployQuery,
    DiffOut,
    FormsOut,
    ValidateForm,
    ValidationOut,
)
from api.schemas import Problem
from engine.errors import InvalidInput
from engine.services.design import catalog, versions, versions_diff

blp = Blueprint("process-definitions", __name__, url_prefix="/api/v1/process-definitions",
                description="Deploy and browse versioned BPMN procedures")


def _upload() -> tuple[bytes, dict[str, bytes], str]:
    """The diagram, the forms by file name and the diagram's file name; a file beyond
    MOTCUA_MAX_UPLOAD_BYTES is a 413 naming it (read no further than one byte past it)."""
    limit = current_app.extensions["motcua"].settings.max_upload_bytes
    bpmn = request.files.get("bpmn")
    if bpmn is None:
        raise InvalidInput("a multipart field 'bpmn' with the diagram is required",
                           errors=[{"field": "bpmn", "message": "missing"}])
    forms: dict[str, bytes] = {}
    errors, oversize = [], []
    for f in request.files.getlist("forms"):
        name = (f.filename or "").rsplit("/", 1)[-1]
        if not name:
            errors.append({"field": "forms", "message": "a form file has no file name"})
            continue
        forms[name] = f.read(limit + 1)
        if len(forms[name]) > limit:
            oversize.append(f"forms/{name}")
    data = bpmn.read(limit + 1)
    if len(data) > limit:
        oversize.insert(0, "bpmn")
    if oversize:
        raise TooLarge(f"a file is larger than {limit} bytes, the limit for each file of an "
                       "upload (MOTCUA_MAX_UPLOAD_BYTES)",
                       [{"field": f, "message": f"larger than {limit} bytes"} for f in oversize])
    if errors:
        raise InvalidInput("invalid upload", errors=errors)
    return data, forms, (bpmn.filename or "process.bpmn").rsplit("/", 1)[-1]


def _scenarios_file() -> bytes | None:
    """The uploaded scenarios (multipart file `scenarios`), if any."""
    limit = current_app.extensions["motcua"].settings.max_upload_bytes
    upload = request.files.get("scenarios")
    if upload is None:
        return None
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(f"the scenarios are larger than {limit} bytes (MOTCUA_MAX_UPLOAD_BYTES)",
                       [{"field": "scenarios", "message": f"larger than {limit} bytes"}])
    return bytes(raw)


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _flag(name: str, query: dict[str, Any]) -> bool | None:
    """A yes/no option given as a query parameter or a form field (the query wins)."""
    if name in query:
        return bool(query[name])
    text = request.form.get(name)
    if text is None:
        return None
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise InvalidInput(f"{name} must be true or false",
                       errors=[{"field": name, "message": "must be true or false"}])


@blp.route("")
class Definitions(MethodView):
    @blp.arguments(DeployQuery(), location="query")
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": DeployForm}}})
    @blp.response(201, DeployedOut, description="a new version")
    @blp.alt_response(200, schema=DeployedOut,
                      description="identical content: the existing version")
    @blp.alt_response(422, schema=Problem,
                      description="element-level errors, or scenarios that failed")
    def post(self, query: dict[str, Any]) -> Any:
        """Deploy a BPMN diagram and the JSON Schema forms its user tasks name; uploaded
        scenarios run on it first (a failure refuses the deployment unless `force`)."""
        who = caller()
        bpmn, forms, filename = _upload()
        force, activate = _flag("force", query), _flag("activate", query)
        deployed = catalog.deploy(current_app.extensions["motcua"], who, bpmn, forms, filename,
                                  scenarios=_scenarios_file(), force=bool(force),
                                  activate=activate)
        return deployed, 201 if deployed.created else 200

    @blp.response(200, DefinitionOut(many=True))
    def get(self) -> Any:
        """Every deployed version of every process of your province, with its state."""
        who = caller()
        return catalog.catalogue(current_app.extensions["motcua"], who)


@blp.route("/validate")
class Validate(MethodView):
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": ValidateForm}}})
    @blp.response(200, ValidationOut)
    @blp.alt_response(422, schema=Problem)
    def post(self) -> Any:
        """Run every deployment check, and the uploaded scenarios, without storing anything."""
        who = caller()
        bpmn, forms, filename = _upload()
        compiled, results = catalog.check(current_app.extensions["motcua"], who, bpmn, forms,
                                          filename, _scenarios_file())
        return {"valid": all(r.passed for r in results), "key": compiled.key,
                "name": compiled.name,
                "user_tasks": [{"element_id": t.element_id, "name": t.name, "form": t.form,
                                "position": t.position} for t in compiled.user_tasks],
                "scenarios": [r.as_dict() for r in results]}


@blp.route("/<key>")
class Definition(MethodView):
    @blp.response(200, DefinitionOut(many=True))
    def get(self, key: str) -> Any:
        """All versions of one process, oldest first, with their states."""
        who = caller()
        found = catalog.catalogue(current_app.extensions["motcua"], who, key)
        if not found:
            catalog.definition(current_app.extensions["motcua"], who, key)  # raises not-found
        return found


@blp.route("/<key>/versions/<int:version>")
class DefinitionVersion(MethodView):
    @blp.response(200, DefinitionOut)
    def get(self, key: str, version: int) -> Any:
        """One version: its state and every change of it (who, when, from, to)."""
        return versions.version_view(current_app.extensions["motcua"], caller(), key, version)


@blp.route("/<key>/versions/<int:version>/activate")
class Activate(MethodView):
    @blp.response(200, DefinitionOut)
    def post(self, key: str, version: int) -> Any:
        """New dossiers start on this version (the one active before it is retired):
        re-activating an older version rolls back. Dossiers continue on their own version."""
        return versions.activate(current_app.extensions["motcua"], caller(), key, version)


@blp.route("/<key>/versions/<int:version>/retire")
class Retire(MethodView):
    @blp.response(200, DefinitionOut)
    def post(self, key: str, version: int) -> Any:
        """No new dossier starts on this version; those started on it continue. Retiring
        the active version leaves the process with none until another is activated."""
        return versions.retire(current_app.extensions["motcua"], caller(), key, version)


@blp.route("/<key>/versions/<int:base>/diff/<int:other>")
class Diff(MethodView):
    @blp.response(200, DiffOut)
    def get(self, key: str, base: int, other: int) -> Any:
        """What changed from version `base` to version `other`: elements (tasks, events,
        gateways, flows and their conditions, forms, timers) added, removed and changed, and
        form fields added, removed or made required."""
        return versions_diff.diff(current_app.extensions["motcua"], caller(), key, base, other)


@blp.route("/<key>/versions/<int:version>/forms")
class DefinitionForms(MethodView):
    @blp.response(200, FormsOut)
    def get(self, key: str, version: int) -> Any:
        """The JSON Schema forms deployed with the version, by file name: what its tasks'
        forms are rendered from and validated against; `start_form` names intake's."""
        ctx = current_app.extensions["motcua"]
        found = catalog.definition(ctx, caller(), key, version)
        return {"key": found.key, "version": found.version, "forms": found.forms,
                "start_form": catalog.start_form(ctx, found)}


@blp.route("/<key>/versions/<int:version>/bpmn")
class DefinitionXml(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, key: str, version: int) -> Any:
        """The diagram as deployed (after normalisation)."""
        who = caller()
        found = catalog.definition(current_app.extensions["motcua"], who, key, version)
        return Response(found.bpmn_xml, mimetype="application/xml")
