"""Process designers: deploy, validate and browse process versions."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.body_limits import TooLarge
from api.schemas import DefinitionOut, DeployForm, Problem, ValidationOut
from engine.errors import InvalidInput
from engine.services.design import catalog

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


def _out(definition: Any, created: bool) -> dict[str, Any]:
    return {"key": definition.key, "version": definition.version, "name": definition.name,
            "content_hash": definition.content_hash, "forms": definition.forms,
            "deployed_at": definition.deployed_at, "created": created}


@blp.route("")
class Definitions(MethodView):
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": DeployForm}}})
    @blp.response(201, DefinitionOut, description="a new version")
    @blp.alt_response(200, schema=DefinitionOut, description="identical content: the existing version")
    @blp.alt_response(422, schema=Problem, description="element-level errors")
    def post(self) -> Any:
        """Deploy a BPMN diagram and the JSON Schema forms its user tasks name."""
        who = caller()
        bpmn, forms, filename = _upload()
        deployed = catalog.deploy(current_app.extensions["motcua"], who, bpmn, forms, filename)
        return _out(deployed.definition, deployed.created), 201 if deployed.created else 200

    @blp.response(200, DefinitionOut(many=True))
    def get(self) -> Any:
        """Every deployed version of every process of your province."""
        who = caller()
        return catalog.catalogue(current_app.extensions["motcua"], who)


@blp.route("/validate")
class Validate(MethodView):
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": DeployForm}}})
    @blp.response(200, ValidationOut)
    @blp.alt_response(422, schema=Problem)
    def post(self) -> Any:
        """Run every deployment check without storing anything."""
        who = caller()
        bpmn, forms, filename = _upload()
        compiled = catalog.check(current_app.extensions["motcua"], who, bpmn, forms, filename)
        return {"valid": True, "key": compiled.key, "name": compiled.name,
                "user_tasks": [{"element_id": t.element_id, "name": t.name, "form": t.form,
                                "position": t.position} for t in compiled.user_tasks]}


@blp.route("/<key>")
class Definition(MethodView):
    @blp.response(200, DefinitionOut(many=True))
    def get(self, key: str) -> Any:
        """All versions of one process, oldest first."""
        who = caller()
        found = catalog.catalogue(current_app.extensions["motcua"], who, key)
        if not found:
            catalog.definition(current_app.extensions["motcua"], who, key)  # raises not-found
        return found


@blp.route("/<key>/versions/<int:version>/bpmn")
class DefinitionXml(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, key: str, version: int) -> Any:
        """The diagram as deployed (after normalisation)."""
        who = caller()
        found = catalog.definition(current_app.extensions["motcua"], who, key, version)
        return Response(found.bpmn_xml, mimetype="application/xml")
