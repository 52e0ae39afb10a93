"""The documents issued for a dossier (form 01, the receipt and appointment slip, first):
listed, and served as files whose checksum is verified on every read."""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import DocumentsOut, Problem
from engine.services.flow import documents
from engine.store.models import Document

blp = Blueprint("documents", __name__, url_prefix="/api/v1/dossiers",
                description="Documents issued for a dossier: the receipt (form 01)")


@blp.route("/<code>/documents")
class Documents(MethodView):
    @blp.response(200, DocumentsOut)
    def get(self, code: str) -> Any:
        """The dossier's documents, oldest first, for whoever may read the dossier."""
        ctx = current_app.extensions["motcua"]
        dossier, docs = documents.list_documents(ctx, caller(), code)
        return {"code": dossier.code, "documents": docs}


@blp.route("/<code>/documents/<int:document_id>")
class DocumentFile(MethodView):
    @blp.response(200, content_type="application/pdf",
                  description="the file; ETag and Repr-Digest carry its SHA-256")
    @blp.alt_response(304, description="If-None-Match names the file's ETag")
    @blp.alt_response(500, schema=Problem,
                      description="the stored file no longer matches its checksum")
    def get(self, code: str, document_id: int) -> Any:
        """The document's file (a PDF); refused, never served, if the stored bytes no
        longer match the SHA-256 taken when they were stored."""
        ctx = current_app.extensions["motcua"]
        doc, content = documents.document_file(ctx, caller(), code, document_id)
        return file_response(doc, content)


def file_response(doc: Document, content: bytes) -> Any:
    """A stored document's file, with its SHA-256 as ETag and Repr-Digest; conditional."""
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    resp = Response(content, mimetype=doc.content_type)
    resp.headers["Content-Disposition"] = f'inline; filename="{doc.file_name}"'
    resp.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.set_etag(doc.sha256 or "")
    return resp.make_conditional(request)
