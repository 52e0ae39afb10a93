"""Documents issued for a dossier: form 01, the receipt and appointment slip, first.

The receipt is issued when the dossier is received: in intake's own transaction when its
statutory clock starts at intake, else in the transaction of the step that starts the clock
(an element marked `startsClock`, e.g. reception accepting an online dossier), since no
dossier may be received without an appointment. Issuing fixes what the slip says (its
fields, one row); the PDF is rendered from them when it is first asked for and stored then,
with its SHA-256, so intake pays one INSERT and no rendering. Whoever may read the dossier
may read its documents (`engine.access`), those issued and those submitted as files
(`engine.services.flow.submissions`, kept in the file store); a stored file whose checksum
no longer matches, or that the file store no longer has, is refused, never served, and
logged.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from engine.access import Action, Caller, needs_grant_lookup, require, see_dossier
from engine.deadlines import Procedure
from engine.documents import (
    CONTENT_TYPE,
    NoticeFields,
    ReceiptFields,
    file_name,
    notice_file_name,
    render_notice,
    render_receipt,
)
from engine.documents.notice import FORMS as NOTICE_FORMS
from engine.documents.receipt import time_limit_text
from engine.errors import FileStoreDown, MotcuaError, NotFound
from engine.files import FileMissing, FileStoreUnavailable
from engine.services.context import Context
from engine.services.flow.statutory import received_day
from engine.store.models import Document, Dossier
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

RECEIPT = "receipt"
log = logging.getLogger(__name__)


class DocumentCorrupt(MotcuaError):
    """A stored document no longer matches the checksum taken when it was stored."""

    code = "document-corrupt"


def issue_receipt(uow: UnitOfWork, dossier: DossierRow, *, at: datetime, actor_id: int | None,
                  received_by: str, procedure: Procedure | None, process_name: str,
                  data: dict[str, Any], unit_name: str | None, agency: str | None,
                  submitted_at: datetime | None = None) -> None:
    """Issue form 01 for a dossier received now (`at`), in the caller's transaction."""
    applicant = dossier.applicant if isinstance(dossier.applicant, dict) else {}
    limit = None
    if procedure is not None:
        rule = procedure.rule_for(received_day(dossier))
        limit = rule.limit_for(dossier.channel) if rule else None
    fields = ReceiptFields(
        dossier_code=dossier.code, unit_code=dossier.unit, unit_name=unit_name or dossier.unit,
        agency=agency or "", applicant_name=_text(applicant.get("name")),
        applicant_address=_text(applicant.get("address")),
        applicant_phone=_text(applicant.get("phone")),
        applicant_email=_text(applicant.get("email")),
        procedure=procedure.name if procedure is not None else process_name,
        documents=_documents(data), received_at=at.isoformat(),
        submitted_at=submitted_at.isoformat() if submitted_at else None,
        issued_at=at.isoformat(), channel=dossier.channel, received_by=received_by,
        time_limit=time_limit_text(limit.value, limit.unit) if limit else "",
        appointment=dossier.due_at.isoformat() if dossier.due_at else None,
        lookup_secret=dossier.lookup_secret or "")
    uow.repo.add_document(Document(
        province=dossier.province, dossier_id=dossier.id, kind=RECEIPT, form="01",
        file_name=file_name(fields), content_type=CONTENT_TYPE, fields=fields.to_dict(),
        created_at=at, created_by=actor_id))


def issue_notice(uow: UnitOfWork, dossier: DossierRow, kind: str, *, at: datetime,
                 actor_id: int | None, signed_by: str, procedure: str, reason: str = "",
                 items: list[str] | None = None, deadline: str = "", appointment: str = "",
                 new_appointment: str = "") -> Document:
    """Issue a notice of form 02, 03, 04 or 05 (`engine.documents.notice`) in the caller's
    transaction; rendered when first asked for, as the receipt is."""
    applicant = dossier.applicant if isinstance(dossier.applicant, dict) else {}
    unit_name, agency = uow.repo.unit_names(dossier.unit)
    fields = NoticeFields(
        kind=kind, dossier_code=dossier.code, unit_name=unit_name or dossier.unit,
        agency=agency or "", applicant_name=_text(applicant.get("name")), procedure=procedure,
        received_at=dossier.received_at.isoformat(), issued_at=at.isoformat(),
        signed_by=signed_by, reason=reason, items=list(items or []), deadline=deadline,
        appointment=appointment, new_appointment=new_appointment)
    document = Document(
        province=dossier.province, dossier_id=dossier.id, kind=kind, form=NOTICE_FORMS[kind],
        file_name=notice_file_name(fields), content_type=CONTENT_TYPE,
        fields=fields.to_dict(), created_at=at, created_by=actor_id)
    uow.repo.add_document(document)
    return document


def list_documents(ctx: Context, caller: Caller, code: str
                   ) -> tuple[Dossier, list[Document], dict[int, str]]:
    """The dossier's documents, issued and submitted, oldest first, each rendered and
    stored if it was not yet; and the names of the principals who issued or sent them."""
    with ctx.uow(readonly=True) as uow:
        dossier = _readable(uow, caller, code)
        docs = list(uow.repo.documents_of(dossier.id))
        names = uow.repo.principal_names([d.created_by for d in docs])
    if any(d.sha256 is None for d in docs):
        _render_pending(ctx, dossier.id, [d.id for d in docs if d.sha256 is None])
        with ctx.uow(readonly=True) as uow:
            docs = list(uow.repo.documents_of(dossier.id))
    return dossier, docs, names


def document_file(ctx: Context, caller: Caller, code: str, document_id: int
                  ) -> tuple[Document, bytes]:
    """A document and its file, checked against its stored SHA-256."""
    with ctx.uow(readonly=True) as uow:
        dossier = _readable(uow, caller, code)
    return checked_file(ctx, dossier.id, code, document_id)


def checked_file(ctx: Context, dossier_id: int, code: str, document_id: int,
                 kinds: frozenset[str] | None = None) -> tuple[Document, bytes]:
    """A document of a dossier the caller may read (rendered first if it was not yet), of
    one of `kinds` if given; DocumentCorrupt if it no longer matches its SHA-256."""
    with ctx.uow(readonly=True) as uow:
        doc = uow.repo.document(dossier_id, document_id)
    if doc is None or (kinds is not None and doc.kind not in kinds):
        raise NotFound(f"no document {document_id} of dossier {code}")
    if doc.file_key is not None:
        try:
            stored = ctx.files.get(doc.file_key)
        except FileMissing:
            log.error("document %s of dossier %s: the file store has no file %s",
                      document_id, code, doc.file_key)
            raise DocumentCorrupt(f"document {document_id} of dossier {code} is missing from "
                                  "the file store; it is not served") from None
        except FileStoreUnavailable as exc:
            log.error("document %s of dossier %s: %s", document_id, code, exc)
            raise FileStoreDown("the file store cannot be read now; try again later") from None
        return doc, _verified(doc, stored, code)
    if doc.content is None:
        _render_pending(ctx, dossier_id, [doc.id])
        with ctx.uow(readonly=True) as uow:
            doc = uow.repo.document(dossier_id, document_id)
        assert doc is not None
    return doc, _verified(doc, doc.content, code)


def _verified(doc: Document, content: bytes | None, code: str) -> bytes:
    """The content, if it still matches the size and SHA-256 taken when it was stored."""
    if content is None or doc.sha256 is None or \
            hashlib.sha256(content).hexdigest() != doc.sha256 or len(content) != doc.size:
        log.error("document %s of dossier %s does not match its SHA-256 %s: not served",
                  doc.id, code, doc.sha256)
        raise DocumentCorrupt(f"document {doc.id} of dossier {code} does not match the "
                              f"checksum it was stored with; it is not served")
    return content


def _render_pending(ctx: Context, dossier_id: int, ids: list[int]) -> None:
    """Render the documents not yet rendered and store them; a rendering another request
    stored first is kept (both are the same bytes: rendering is deterministic)."""
    rendered = []
    with ctx.uow(readonly=True) as uow:
        for document_id in ids:
            doc = uow.repo.document(dossier_id, document_id)
            if doc is not None and doc.content is None:
                rendered.append((doc.id, _render(doc)))
    now = ctx.clock.now()
    with ctx.uow() as uow:
        for document_id, content in rendered:
            uow.repo.store_rendering(document_id, content,
                                     hashlib.sha256(content).hexdigest(), now)
        uow.commit()


def _render(doc: Document) -> bytes:
    if doc.kind == RECEIPT:
        return render_receipt(ReceiptFields.from_dict(doc.fields))
    if doc.kind in NOTICE_FORMS:
        return render_notice(NoticeFields.from_dict(doc.fields))
    raise ValueError(f"no renderer for documents of kind {doc.kind}")


def _readable(uow: UnitOfWork, caller: Caller, code: str) -> Dossier:
    """The dossier, if the policy lets the caller read its documents (NotFound outside the
    caller's scope, Forbidden for a role that may never)."""
    require(caller, Action.DOSSIER_DOCUMENTS)
    dossier = uow.repo.dossier(caller.province, code)
    if dossier is None:
        raise NotFound(f"no dossier {code}")
    units = uow.repo.task_units(dossier.id) if caller.role == "officer" else set()
    granted = needs_grant_lookup(caller, dossier) and uow.repo.granted(dossier.id, caller.id)
    see_dossier(caller, dossier, units, Action.DOSSIER_DOCUMENTS, granted=granted)
    return dossier


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _documents(data: dict[str, Any]) -> list[str]:
    """The papers submitted, as intake's `data.documents` lists them: names, or objects
    with a `name` (and optionally `copies`, `original`)."""
    items = data.get("documents")
    if not isinstance(items, list):
        return []
    names = []
    for item in items[:100]:
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name = item["name"].strip()
            original = item.get("original")
            kind = "bản chính" if original is True else "bản sao" if original is False else None
            copies = item.get("copies")
            extra = ", ".join(x for x in (kind, f"{copies} bản" if isinstance(copies, int)
                                                      and not isinstance(copies, bool) else None)
                              if x)
            names.append(f"{name} ({extra})" if extra else name)
    return names


def registered_name(uow: UnitOfWork, dossier: DossierRow) -> str | None:
    """The name of the dossier's procedure in its province's catalogue, if registered."""
    code = dossier.procedure_code
    return uow.repo.procedure_names(dossier.province, {code}).get(code) if code else None


def procedure_name(uow: UnitOfWork, dossier: DossierRow, process_name: str) -> str:
    """What the documents call the procedure: its registered name, else the process's."""
    stored = uow.repo.procedure(dossier.province, dossier.procedure_code or "") \
        if dossier.procedure_code else None
    name = stored.data.get("name") if stored is not None else None
    return name if isinstance(name, str) and name else process_name
