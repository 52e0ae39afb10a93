"""Messages that come before the process waits for them (a payment reported before the
fee step is reached, another agency's answer before the question is sent).

Such a message is kept, with the instant it expires (the procedure's `message_ttl_hours`,
else MOTCUA_MESSAGE_TTL_HOURS), and recorded as `message.buffered`. It is delivered in the
unit of work of the command that brings the process to a catching event for it (a task
completion, a timer, another message), recorded then as `message.received`; kept messages
go in the order they came. Once expired, the sweeper (or the next command on the dossier)
drops it, recorded as `message.expired`. Its `message_id` counts as seen from the start:
a repeat is ignored while it is kept, after it is delivered and after it expired.
All of it happens under the dossier's row lock.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.deadlines import Procedure
from engine.errors import InvalidInput
from engine.runtime import Instance
from engine.store.models import Dossier
from engine.store.models_dossiers import PendingMessage
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

# A dossier keeps at most so many messages at once: more is a sender's fault, refused.
MAX_KEPT = 50
# Records one history event of the dossier: (kind, actor_id=..., payload=...).
Log = Callable[..., None]


@dataclass(frozen=True)
class Buffered:
    """The answer to a message kept for later (202)."""

    dossier: Dossier
    name: str
    message_id: str | None
    expires_at: datetime


def ttl_hours(uow: UnitOfWork, dossier: DossierRow, default: float) -> float:
    """How long the dossier's procedure keeps a message (else the platform's default)."""
    if dossier.procedure_code:
        stored = uow.repo.procedure(dossier.province, dossier.procedure_code)
        if stored is not None:
            hours = Procedure.from_dict(stored.code, stored.data).message_ttl_hours
            if hours is not None:
                return hours
    return default


def keep(uow: UnitOfWork, dossier: Dossier, name: str, payload: dict[str, Any],
         message_id: str | None, *, sender_id: int, at: datetime, hours: float,
         record: Log) -> Buffered:
    if (dossier.pending_messages or 0) >= MAX_KEPT:
        raise InvalidInput(f"dossier {dossier.code} keeps {MAX_KEPT} messages its process "
                           "does not wait for yet", errors=[{
                               "field": "name", "message": f"at most {MAX_KEPT} messages are "
                               "kept for a dossier; send it when the process waits for it"}])
    expires = at + timedelta(hours=hours)
    uow.repo.add(PendingMessage(dossier_id=dossier.id, name=name, message_id=message_id,
                                payload=payload, sender_id=sender_id, received_at=at,
                                expires_at=expires))
    dossier.pending_messages = (dossier.pending_messages or 0) + 1
    record("message.buffered", actor_id=sender_id, payload={
        "name": name, "message_id": message_id, "payload": payload,
        "expires_at": expires.isoformat()})
    return Buffered(dossier, name, message_id, expires)


def kept_answer(dossier: Dossier, row: PendingMessage) -> Buffered:
    """The answer to a repeat of a message still kept: the same as the first time."""
    return Buffered(dossier, row.name, row.message_id, row.expires_at)


def deliver_kept(uow: UnitOfWork, dossier: DossierRow, instance: Instance, *, at: datetime,
                 record: Log, steps: Callable[[], None]) -> None:
    """Deliver the dossier's kept messages the instance now waits for, oldest first, for
    as long as one fits (a delivery may bring the process to the next catching event);
    drop those expired. `steps` records the engine steps each delivery ran. Asks the store
    only when the dossier holds kept messages (a column of its row)."""
    if not dossier.pending_messages:
        return
    rows = list(uow.repo.pending_messages_of(dossier.id))
    live = [r for r in rows if r.expires_at > at]
    expire(uow, dossier, [r for r in rows if r.expires_at <= at], at=at, record=record)
    while live and not instance.error and not instance.finished:
        waiting = set(instance.waiting_messages())
        row = next((r for r in live if r.name in waiting), None)
        if row is None:
            return
        live.remove(row)
        record("message.received", actor_id=row.sender_id, payload={
            "name": row.name, "message_id": row.message_id, "payload": row.payload,
            "buffered_at": row.received_at.isoformat()})
        instance.deliver_message(row.name, row.payload)
        _drop(uow, dossier, [row], at)
        steps()


def expire(uow: UnitOfWork, dossier: DossierRow, rows: Sequence[PendingMessage], *,
           at: datetime, record: Log) -> None:
    """Drop kept messages whose time to live passed."""
    for row in rows:
        record("message.expired", payload={
            "name": row.name, "message_id": row.message_id,
            "buffered_at": row.received_at.isoformat(), "expires_at": row.expires_at.isoformat()})
    _drop(uow, dossier, rows, at)


def _drop(uow: UnitOfWork, dossier: DossierRow, rows: Sequence[PendingMessage],
          at: datetime) -> None:
    if rows:
        uow.repo.drop_pending(rows, at)
        dossier.pending_messages = max(0, (dossier.pending_messages or 0) - len(rows))
