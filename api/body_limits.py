"""How large a request body may be, per route, checked before anything reads it.

A body is read whole into a worker's memory (and parsed there, several times its size), so
one large request would leave a gunicorn worker holding hundreds of megabytes. Each request
is given the limit of its kind before any of it is read:

- **JSON** (commands): `MOTCUA_MAX_JSON_BYTES`;
- **uploads** (a deployment's BPMN and forms, multipart): twice `MOTCUA_MAX_UPLOAD_BYTES` in
  all, each file at most `MOTCUA_MAX_UPLOAD_BYTES` (checked by the view);
- **documents** (a dossier's files, multipart): `MOTCUA_MAX_DOCUMENT_FILES` times
  `MOTCUA_MAX_DOCUMENT_BYTES` and 64 KiB for the other fields (sent with the intake, also
  `MOTCUA_MAX_JSON_BYTES` for the dossier's part), each file at most
  `MOTCUA_MAX_DOCUMENT_BYTES` (checked as it is read); werkzeug spools large parts to disk;
- **any other body**: `OTHER_BYTES`.

A `Content-Length` beyond the limit is refused at once; a body sent without one (chunked) is
read no further than one byte past the limit (werkzeug stops a stream at the request's
`max_content_length` without saying whether more followed: the byte past tells). Either
way a 413.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

OTHER_BYTES = 65_536
UPLOAD_FILES = 2  # a deployment's upload holds at most this many times the per-file limit
# The views of api/definitions.py that take a deployment (BPMN and forms) as multipart.
UPLOADS = frozenset({"process-definitions.Definitions", "process-definitions.Validate"})
# The view of api/documents.py that takes a dossier's files.
DOCUMENT_UPLOADS = frozenset({"documents.Documents"})
# The intake with the applicant's papers (api/intake_form.py): its dossier part may be as
# large as a JSON body.
INTAKE_UPLOADS = frozenset({"dossiers.Dossiers"})
_MULTIPART = "multipart/form-data"


class TooLarge(RequestEntityTooLarge):
    """A 413 whose message names the limit (and `errors` the files at fault, if any)."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(description=message)
        self.errors = errors or []


def register(app: Flask) -> None:
    @app.before_request
    def _limit() -> None:
        limit, what = body_limit()
        request.max_content_length = limit + 1
        if request.endpoint in INTAKE_UPLOADS:  # the dossier part is a field (JSON)
            request.max_form_memory_size = current_app.extensions["motcua"].settings \
                .max_json_bytes + 1
        length = request.content_length
        if length is not None and length > limit:
            raise TooLarge(_message(limit, what))


def read_body() -> bytes:
    """The whole body (kept for the views to parse); a streamed body past its limit is
    a 413."""
    raw = request.get_data(cache=True)
    limit, what = body_limit()
    if len(raw) > limit:
        raise TooLarge(_message(limit, what))
    return raw


def body_limit() -> tuple[int, str]:
    """(bytes, what the limit is for) for the current request."""
    settings = current_app.extensions["motcua"].settings
    if request.is_json:
        return settings.max_json_bytes, "a JSON body (MOTCUA_MAX_JSON_BYTES)"
    if request.mimetype == _MULTIPART and request.endpoint in UPLOADS:
        return (UPLOAD_FILES * settings.max_upload_bytes,
                f"an upload ({UPLOAD_FILES} × MOTCUA_MAX_UPLOAD_BYTES)")
    if request.mimetype == _MULTIPART and request.endpoint in DOCUMENT_UPLOADS:
        return (settings.max_document_files * settings.max_document_bytes + OTHER_BYTES,
                "documents (MOTCUA_MAX_DOCUMENT_FILES × MOTCUA_MAX_DOCUMENT_BYTES)")
    if request.mimetype == _MULTIPART and request.endpoint in INTAKE_UPLOADS:
        return (settings.max_document_files * settings.max_document_bytes + OTHER_BYTES
                + settings.max_json_bytes,
                "a dossier with its papers (MOTCUA_MAX_DOCUMENT_FILES × "
                "MOTCUA_MAX_DOCUMENT_BYTES, and MOTCUA_MAX_JSON_BYTES for the dossier)")
    return OTHER_BYTES, "a body that is neither JSON nor an upload"


def refusal(exc: RequestEntityTooLarge) -> tuple[str, list[dict[str, Any]]]:
    """The message and field errors of a 413: ours as raised; werkzeug's own (a streamed
    body past the limit, a multipart field too large for memory) naming the limit."""
    if isinstance(exc, TooLarge):
        return exc.description or "", exc.errors
    limit, what = body_limit()
    message = _message(limit, what)
    if request.mimetype == _MULTIPART:
        message += f", each form field other than a file at most {request.max_form_memory_size}"
    return message, []


def _message(limit: int, what: str) -> str:
    return f"the request body is larger than {limit} bytes, the limit for {what}"
