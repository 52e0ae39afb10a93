"""The desk's written acts that a diagram calls for through shared forms (forms/): when a
user task whose form is one of them is completed, the notice the law prescribes is issued
with the dossier, in the completion's own transaction.

- `guidance.json`: written guidance to complete the dossier at reception (form 02), given
  **once** per dossier: a second one is refused (422 `guidance-already-given`);
- `supplement-request.json`: a supplement asked for during appraisal (form 02);
- `refusal.json`: refusal with its reasons (form 03);
- `result-return.json`: the result returned, to whom, by which channel and when (a
  `dossier.result_returned` history event; the result itself is the procedure's own).

Withdrawal and stop (form 05) are issued by `engine.services.desk.withdrawal`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.access import Actor, Caller
from engine.deadlines import portal
from engine.errors import InvalidInput
from engine.services.flow import events, progress
from engine.services.flow.documents import issue_notice
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

ACT_FORMS = {"guidance.json": "guidance", "supplement-request.json": "supplement_request",
             "refusal.json": "refusal", "result-return.json": "result_return"}
RETURN_FIELDS = ("returned_to", "recipient_role", "recipient_id_number", "return_channel",
                 "returned_at", "postal_tracking", "note")


class GuidanceAlreadyGiven(InvalidInput):
    code = "guidance-already-given"


def check_act(uow: UnitOfWork, dossier: DossierRow, form: str | None) -> None:
    """Before a task with `form` is completed: refuse a second written guidance."""
    if ACT_FORMS.get(form or "") != "guidance":
        return
    given = [d for d in uow.repo.documents_of(dossier.id) if d.kind == "guidance"]
    if given:
        raise GuidanceAlreadyGiven(
            f"written guidance to complete dossier {dossier.code} was already given on "
            f"{given[0].created_at:%d/%m/%Y} (form 02): it is given once; refuse the dossier "
            "with reasons (form 03) or receive it", errors=[
                {"field": "/data", "message": "guidance is given once per dossier"}])


def issue_act(uow: UnitOfWork, dossier: DossierRow, form: str | None, data: dict[str, Any], *,
              caller: Caller, actor: Actor, at: datetime, procedure: str) -> None:
    """After a task with `form` was completed with `data`: issue its notice, if it has one."""
    kind = ACT_FORMS.get(form or "")
    if kind is None:
        return
    if kind == "result_return":
        returned = {k: data[k] for k in RETURN_FIELDS if data.get(k) not in (None, "")}
        returned.setdefault("returned_at", at.isoformat())
        returned["by"] = caller.name
        previous = dossier.portal_status
        dossier.portal_status = portal.on_state(
            uow.repo.status_mapping(dossier.province, dossier.procedure_code), "result_returned")
        if dossier.portal_status != previous:
            events.portal_changed(uow, dossier, previous, at)
        progress.record(uow, dossier, "dossier.result_returned", at=at, actor_id=caller.id,
                        payload=returned, actor=actor)
        return
    if kind == "guidance":
        items, reason = _strings(data.get("guidance_items")), _string(data.get("guidance_note"))
        deadline = ""
    elif kind == "supplement_request":
        items, reason = _strings(data.get("missing_documents")), \
            _string(data.get("supplement_reason"))
        days = data.get("supplement_deadline_days")
        deadline = f"{days} ngày làm việc" if isinstance(days, int) else ""
    else:
        items, reason, deadline = _strings(data.get("refusal_reasons")), \
            _string(data.get("refusal_note")), ""
    document = issue_notice(uow, dossier, kind, at=at, actor_id=caller.id,
                            signed_by=caller.name, procedure=procedure, reason=reason,
                            items=items, deadline=deadline)
    progress.record(uow, dossier, "document.issued", at=at, actor_id=caller.id,
                    payload={"kind": kind, "form": document.form,
                             "file_name": document.file_name}, actor=actor)


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    return [v.strip() for v in value[:50] if isinstance(v, str) and v.strip()] \
        if isinstance(value, list) else []
