"""The packet the National Public Service Portal takes for a dossier (DOMAIN.md §6): its
header with the mapped status code, its documents, fees, supplement requests and progress
entries, made from the dossier, its inbox rows and its history. Dates are yyyyMMddHHmmss in
Vietnam's time."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.access import Action, Caller
from engine.calendar import to_local
from engine.deadlines import portal
from engine.services.context import Context
from engine.services.flow.documents import procedure_name
from engine.services.flow.dossiers import find_dossier
from engine.store.models import Dossier, HistoryEvent, Task
from engine.store.uow import UnitOfWork


def sync_packet(ctx: Context, caller: Caller, code: str) -> dict[str, Any]:
    with ctx.uow(readonly=True) as uow:
        return packet_of(uow, find_dossier(uow, caller, code, Action.DOSSIER_READ))


def packet_of(uow: UnitOfWork, dossier: Dossier) -> dict[str, Any]:
    """The packet of `dossier` as it stands in this unit of work (the portal push sends it
    too: engine.services.webhooks.push)."""
    events = list(uow.repo.history(dossier.id))
    tasks = list(uow.repo.tasks_of(dossier.id))
    documents = list(uow.repo.documents_of(dossier.id))
    stored = uow.repo.procedure(dossier.province, dossier.procedure_code or "")
    name = procedure_name(uow, dossier, dossier.process_key)
    holder = uow.repo.last_holding_unit(dossier.id) or dossier.handling_unit or dossier.unit
    sector = stored.data.get("sector") if stored is not None else None
    applicant = dossier.applicant if isinstance(dossier.applicant, dict) else {}
    return {
        "header": _header(dossier, events, name, sector, applicant, holder),
        "documents": [{"kind": d.kind, "form": d.form, "file_name": d.file_name,
                       "created": _date(d.created_at)} for d in documents],
        "fees": _fees(events),
        "supplement_requests": _supplements(events),
        "progress": _progress(events, tasks),
    }


def _header(dossier: Dossier, events: list[HistoryEvent], name: str, sector: Any,
            applicant: dict[str, Any], holder: str) -> dict[str, Any]:
    received = next((e for e in events if e.kind == "dossier.received"), None)
    submitted = (received.payload or {}).get("submitted_at") if received else None
    accepted = next((e.at for e in events if e.kind == "clock.started"), None)
    returned = next((e.at for e in reversed(events) if e.kind == "dossier.result_returned"),
                    None)
    code = dossier.portal_status
    return {
        "code": dossier.code, "procedure_code": dossier.procedure_code, "procedure_name": name,
        "sector": sector, "channel": portal.CHANNELS.get(dossier.channel),
        "applicant": {"name": applicant.get("name"), "id_number": applicant.get("id_number"),
                      "type": portal.APPLICANT_TYPES.get(str(applicant.get("type") or
                                                             "citizen"), 4),
                      "address": applicant.get("address"), "phone": applicant.get("phone"),
                      "email": applicant.get("email")},
        "submitted": _date(_instant(submitted) or dossier.received_at),
        "accepted": _date(accepted), "due": _date(dossier.due_at), "returned": _date(returned),
        "status": code, "status_name": portal.CODES.get(code or 0),
        "processing_unit": holder,
    }


def _fees(events: list[HistoryEvent]) -> list[dict[str, Any]]:
    """Payments the dossier received as messages whose payload names an amount."""
    out = []
    for e in events:
        body = (e.payload or {}).get("payload") if e.kind == "message.received" else None
        if isinstance(body, dict) and isinstance(body.get("amount"), int | float):
            out.append({"name": e.payload.get("name"), "amount": body["amount"],
                        "paid": _date(e.at), "reference": body.get("reference")})
    return out


def _supplements(events: list[HistoryEvent]) -> list[dict[str, Any]]:
    """Each supplement request's pause of the clock: when it was asked, why, and the due
    date before and after (a pause for the applicant's payment is not one)."""
    out: list[dict[str, Any]] = []
    supplement = False
    for e in events:
        payload = e.payload or {}
        if e.kind == "clock.paused":
            supplement = bool(payload.get("supplement", True))
            if supplement:
                out.append({"requested": _date(e.at), "reason": payload.get("reason"),
                            "old_due": None, "new_due": None, "received": None})
        elif e.kind == "clock.resumed" and supplement and out and out[-1]["received"] is None:
            out[-1].update(received=_date(e.at),
                           old_due=_date(_instant(payload.get("old_due_at"))),
                           new_due=_date(_instant(payload.get("due_at"))))
    return out


def _progress(events: list[HistoryEvent], tasks: list[Task]) -> list[dict[str, Any]]:
    """One entry per completed task: who, in what position and unit, when, what, the step's
    due date."""
    by_id = {t.id: t for t in tasks}
    out = []
    for e in events:
        if e.kind != "task.completed":
            continue
        payload, task = e.payload or {}, by_id.get(e.task_id or "")
        out.append({"who": payload.get("by"), "title": payload.get("position"),
                    "unit": task.unit if task else None, "when": _date(e.at),
                    "what": (task.name if task else None) or e.element_id,
                    "element": e.element_id,
                    "step_due": _date(task.due_at if task else None)})
    return out


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _date(at: datetime | None) -> str | None:
    return portal.portal_date(to_local(at)) if at is not None else None
