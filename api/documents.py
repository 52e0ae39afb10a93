"""A dossier's documents: those the platform issues (form 01, the receipt and appointment
slip, first) and those submitted as files (the applicant's papers, an officer's result);
listed, uploaded, and served with their checksum verified on every read."""
from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import DocumentsOut, DocumentUploadForm, Problem
from engine.services.flow import documents, submissions
from engine.store.models import Document

blp = Blueprint("documents", __name__, url_prefix="/api/v1/dossiers",
                description="A dossier's documents: issued (the receipt, form 01; notices) "
                            "and submitted (the applicant's papers, the result)")


def _out(doc: Document, names: dict[int, str]) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "form": doc.form, "file_name": doc.file_name,
            "content_type": doc.content_type, "size": doc.size, "sha256": doc.sha256,
            "created_at": doc.created_at,
            "source": "submitted" if doc.file_key is not None else "issued",
            "created_by": names.get(doc.created_by) if doc.created_by is not None else None}


@blp.route("/<code>/documents")
class Documents(MethodView):
    @blp.response(200, DocumentsOut)
    def get(self, code: str) -> Any:
        """The dossier's documents, issued and submitted, oldest first, for whoever may
        read the dossier."""
        ctx = current_app.extensions["motcua"]
        dossier, docs, names = documents.list_documents(ctx, caller(), code)
        return {"code": dossier.code, "documents": [_out(d, names) for d in docs]}

    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": DocumentUploadForm}}})
    @blp.response(201, DocumentsOut, description="the documents made, one per file")
    @blp.alt_response(413, schema=Problem, description="a file larger than "
                                                       "MOTCUA_MAX_DOCUMENT_BYTES")
    @blp.alt_response(422, schema=Problem, description="kind not of the procedure's list, "
                                                       "a file name that is a path, or "
                                                       "content of a format not accepted")
    def post(self, code: str) -> Any:
        """Submit files (multipart: `kind`, and one or more `file`) as documents of the
        dossier: the applicant's papers, through the client that started it or the officer
        holding it; or the result (`kind` result), by the officer holding it. All are kept
        or none; each is a `document.submitted` event of the history."""
        who = caller()
        uploads = [submissions.Upload(f.filename, f.stream)
                   for f in request.files.getlist("file")]
        kind = request.form.get("kind")
        made = submissions.submit_documents(current_app.extensions["motcua"], who, code,
                                            kind, uploads)
        names = {who.id: who.name}
        return {"code": code, "documents": [_out(d, names) for d in made]}, 201


@blp.route("/<code>/documents/<int:document_id>")
class DocumentFile(MethodView):
    @blp.response(200, content_type="application/octet-stream",
                  description="the file (a PDF for issued documents); ETag and Repr-Digest "
                              "carry its SHA-256")
    @blp.alt_response(304, description="If-None-Match names the file's ETag")
    @blp.alt_response(500, schema=Problem,
                      description="document-corrupt: the stored file no longer matches its "
                                  "checksum, or is missing from the file store")
    def get(self, code: str, document_id: int) -> Any:
        """The document's file; refused, never served, if the stored bytes no longer match
        the SHA-256 taken when they were stored."""
        ctx = current_app.extensions["motcua"]
        doc, content = documents.document_file(ctx, caller(), code, document_id)
        return file_response(doc, content)


def file_response(doc: Document, content: bytes) -> Any:
    """A stored document's file, with its SHA-256 as ETag and Repr-Digest; conditional."""
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    resp = Response(content, mimetype=doc.content_type)
    resp.headers["Content-Disposition"] = _disposition(doc.file_name)
    resp.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    resp.headers["Cache-Control"] = "private, no-cache"
    # A submitted file is the applicant's: never run as a page of this site.
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.set_etag(doc.sha256 or "")
    return resp.make_conditional(request)


def _disposition(name: str) -> str:
    """inline, with the name in ASCII (what cannot be is replaced) and in UTF-8 (RFC 6266)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    if fallback == name:
        return f'inline; filename="{name}"'
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
