"""POST /dossiers with the applicant's papers: multipart, the dossier's JSON (the same
body as the JSON request) in a part named `dossier`, each paper in a part named
`file.<kind>` (a kind the procedure lists; several parts may share one). Without
multipart, the body is the JSON alone."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields

from api.request_guard import checked_json
from api.schemas import DossierIn
from engine.errors import InvalidInput
from engine.services.flow.submissions import Upload

MULTIPART = "multipart/form-data"
PART = "dossier"
PAPER = "file."


class IntakeForm(Schema):
    """The multipart request, as the OpenAPI document shows it."""

    dossier = fields.Raw(required=True, metadata={
        "type": "string", "contentMediaType": "application/json",
        "description": "the dossier: the same JSON object as the application/json request"})
    file_kind = fields.Raw(data_key="file.{kind}", metadata={
        "type": "string", "format": "binary",
        "description": "one part per paper, named file.<kind> by a kind the procedure lists "
                       "(file.request_form, file.identity_papers…); several may share a kind; "
                       "every one is checked (name, size, format) before anything is kept, "
                       "and one refused refuses the dossier"})


def intake_request() -> tuple[dict[str, Any], list[Upload]]:
    """The dossier's fields, loaded as DossierIn (a 422 naming each field at fault, under
    `dossier/` for the multipart part) and the papers sent with it."""
    if request.mimetype != MULTIPART:
        return _load(request.get_json(silent=True), "json"), []
    unknown = [k for k in [*request.form.keys(), *request.files.keys()]
               if k != PART and not (k.startswith(PAPER) and k in request.files)]
    if unknown:
        raise InvalidInput("a part of the request is neither the dossier nor a paper",
                           errors=[{"field": k, "message": f"expected the part {PART!r} and "
                                    f"parts named {PAPER}<kind>"} for k in dict.fromkeys(unknown)])
    papers = [Upload(f.filename, f.stream, kind=key[len(PAPER):])
              for key, f in request.files.items(multi=True) if key.startswith(PAPER)]
    return _load(checked_json(_dossier_part(), PART), PART), papers


def _dossier_part() -> bytes:
    """The `dossier` part's bytes, as a field or a file (curl -F dossier=@body.json)."""
    limit = current_app.extensions["motcua"].settings.max_json_bytes
    values = request.form.getlist(PART)
    files = request.files.getlist(PART)
    if len(values) + len(files) != 1:
        raise InvalidInput("the dossier is sent once, in the part named 'dossier'", errors=[{
            "field": PART, "message": "exactly one part named dossier, holding the dossier's "
                                      "JSON object"}])
    raw = values[0].encode("utf-8") if values else files[0].stream.read(limit + 1)
    if len(raw) > limit:
        raise InvalidInput("the dossier part is too large", errors=[{
            "field": PART, "message": f"at most {limit} bytes (MOTCUA_MAX_JSON_BYTES)"}])
    return raw


def _load(body: Any, where: str) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = DossierIn().load({} if body is None else body)
    except ValidationError as exc:
        abort(422, messages={where: exc.messages})
    return loaded
