"""The public dossier lookup: by code and the applicant's proof, what the applicant needs to
know (status in words, the portal code, the appointment, a pause and its reason, the notices
addressed to them) and nothing else. A wrong proof and a missing dossier answer alike."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.access.outside import applicant_proves
from engine.deadlines import portal
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.services.flow.documents import checked_file, procedure_name
from engine.store.models import Document, Dossier
from engine.store.uow import UnitOfWork

# The notices addressed to the applicant: receipt (01), guidance (02), supplement request
# (02), refusal (03), apology and new appointment (04), withdrawal and stop (05).
APPLICANT_KINDS = frozenset({"receipt", "guidance", "supplement_request", "refusal",
                             "apology", "withdrawal", "stop"})
STATUS_WORDS = {"in_process": "Đang giải quyết", "finished": "Đã giải quyết xong",
                "withdrawn": "Đã rút hồ sơ theo đề nghị của người nộp",
                "stopped": "Đã dừng xử lý", "error": "Đang giải quyết"}


@dataclass(frozen=True)
class Lookup:
    dossier: Dossier
    procedure: str
    paused_reason: str | None
    documents: list[Document]


def proven_dossier(uow: UnitOfWork, code: str, *, id_number: str | None,
                   secret: str | None, lock: bool = False) -> Dossier:
    """The dossier, if the caller gave its applicant's proof; NotFound alike otherwise."""
    if not (id_number or "").strip() and not (secret or "").strip():
        raise InvalidInput("give the applicant's identity number or the lookup secret printed "
                           "on the receipt", errors=[
                               {"field": "id_number", "message": "required (or secret)"}])
    dossier = uow.repo.dossier_by_code(code, lock=lock)
    if dossier is None or not applicant_proves(dossier, id_number=id_number, secret=secret):
        raise NotFound("no dossier with this code for this identity number or secret")
    return dossier


def look_up(ctx: Context, code: str, *, id_number: str | None, secret: str | None) -> Lookup:
    with ctx.uow(readonly=True) as uow:
        dossier = proven_dossier(uow, code, id_number=id_number, secret=secret)
        reason = None
        if dossier.paused_since is not None:
            paused = next((e for e in reversed(uow.repo.history(dossier.id))
                           if e.kind == "clock.paused"), None)
            reason = (paused.payload or {}).get("reason") if paused else None
        documents = [d for d in uow.repo.documents_of(dossier.id) if d.kind in APPLICANT_KINDS]
        return Lookup(dossier, procedure_name(uow, dossier, dossier.process_key), reason,
                      documents)


def present(found: Lookup) -> dict[str, Any]:
    d = found.dossier
    code = d.portal_status
    return {
        "code": d.code, "procedure": found.procedure,
        "status": STATUS_WORDS.get(d.status, "Đang giải quyết"),
        "portal_status": {"code": code, "name": portal.CODES_VI[code]} if code else None,
        "received_at": d.received_at, "appointment": _appointment(d),
        "paused": d.paused_since is not None, "paused_reason": found.paused_reason,
        "finished_at": d.finished_at,
        "documents": [{"id": doc.id, "kind": doc.kind, "form": doc.form,
                       "file_name": doc.file_name, "created_at": doc.created_at}
                      for doc in found.documents],
    }


def _appointment(d: Dossier) -> datetime | None:
    return d.new_appointment_at or d.due_at


def applicant_document(ctx: Context, code: str, document_id: int, *, id_number: str | None,
                       secret: str | None) -> tuple[Document, bytes]:
    """A notice addressed to the applicant, for the applicant's proof."""
    with ctx.uow(readonly=True) as uow:
        dossier = proven_dossier(uow, code, id_number=id_number, secret=secret)
    return checked_file(ctx, dossier.id, code, document_id, APPLICANT_KINDS)
