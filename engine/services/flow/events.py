"""Which changes of a dossier are webhook events, and their bodies.

Called from `progress` as the change is recorded; the events are buffered by the unit of
work and become deliveries (one per subscription that wants them) in the same transaction
as the change (`engine.store.webhook_sql`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.integration.webhooks import BIT
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

# History events that are webhook events too (status changes made by save() are found
# there, by comparing the status before and after; a finished dossier's result is ready).
_OF_HISTORY = {
    "dossier.received": "dossier.status_changed",
    "dossier.withdrawn": "dossier.status_changed",
    "dossier.stopped": "dossier.status_changed",
    "dossier.error": "dossier.status_changed",
    "timeliness.approaching": "dossier.approaching",
    "timeliness.overdue": "dossier.overdue",
}


def on_history(uow: UnitOfWork, dossier: DossierRow, kind: str, at: datetime,
               payload: dict[str, Any]) -> None:
    """The webhook event a history event makes, if any."""
    event_type = _OF_HISTORY.get(kind)
    if event_type == "dossier.status_changed":
        extra = {"previous_status": payload.get("previous_status")} \
            if kind != "dossier.received" else {"previous_status": None}
        emit(uow, dossier, event_type, at, extra)
    elif event_type is not None:
        emit(uow, dossier, event_type, at, {})
    elif kind == "document.issued" and payload.get("kind") == "supplement_request":
        emit(uow, dossier, "dossier.supplement_requested", at, {"form": payload.get("form")})


def status_changed(uow: UnitOfWork, dossier: DossierRow, previous: str | None,
                   at: datetime) -> None:
    emit(uow, dossier, "dossier.status_changed", at, {"previous_status": previous})
    if dossier.status == "finished":
        emit(uow, dossier, "dossier.result_ready", at, {"end_event": dossier.end_event})


def portal_changed(uow: UnitOfWork, dossier: DossierRow, previous: int | None,
                   at: datetime) -> None:
    """The national portal's status code of the dossier changed (or was first given)."""
    emit(uow, dossier, "dossier.portal_status_changed", at,
         {"portal_status": dossier.portal_status, "previous_portal_status": previous})


def messages_awaited(uow: UnitOfWork, dossier: DossierRow, names: list[str],
                     at: datetime) -> None:
    emit(uow, dossier, "dossier.message_awaited", at, {"messages": names})


def task_created(uow: UnitOfWork, dossier: DossierRow, task: Any, at: datetime) -> None:
    emit(uow, dossier, "task.created", at, {"task": {
        "id": task.id, "element_id": task.element_id, "name": task.name, "unit": task.unit,
        "position": task.position, "due_at": _iso(task.due_at)}})


def emit(uow: UnitOfWork, dossier: DossierRow, event_type: str, at: datetime,
         extra: dict[str, Any]) -> None:
    """Buffer one event. Its body says what happened to which dossier, never the applicant's
    data (a receiver reads the dossier, with its own rights, if it needs more)."""
    data = {"dossier": dossier.code, "status": dossier.status,
            "process_key": dossier.process_key, "procedure_code": dossier.procedure_code,
            "due_at": _iso(dossier.due_at), **extra}
    uow.repo.add_webhook_event(dossier, event_type, BIT[event_type],
                               {"type": event_type, "timestamp": at.isoformat(), "data": data},
                               at)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
