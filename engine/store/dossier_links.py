"""Rows tied to one dossier beside its history: the clients granted it, and the messages
kept until its process waits for them (always read and written under the dossier's lock)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from engine.store.hot_path import HotPath
from engine.store.models import Principal, ProcessedMessage
from engine.store.models_dossiers import DossierGrant, PendingMessage


class DossierLinks(HotPath):
    # -- grants -------------------------------------------------------------------------
    def granted(self, dossier_id: int, client_id: int) -> bool:
        return self.session.get(DossierGrant, (dossier_id, client_id)) is not None

    def grants(self, dossier_id: int) -> Sequence[tuple[DossierGrant, str]]:
        """The dossier's grants with the granted client's name, oldest first."""
        rows = self.session.execute(
            select(DossierGrant, Principal.name)
            .join(Principal, Principal.id == DossierGrant.client_id)
            .where(DossierGrant.dossier_id == dossier_id)
            .order_by(DossierGrant.granted_at, DossierGrant.client_id)).all()
        return [(g, name) for g, name in rows]

    def revoke_grant(self, dossier_id: int, client_id: int) -> bool:
        result = self.session.execute(delete(DossierGrant).where(
            DossierGrant.dossier_id == dossier_id, DossierGrant.client_id == client_id))
        return bool(getattr(result, "rowcount", 0))

    # -- messages kept for later --------------------------------------------------------
    def pending_messages_of(self, dossier_id: int) -> Sequence[PendingMessage]:
        """The dossier's kept messages in the order they arrived."""
        return self.session.scalars(select(PendingMessage).where(
            PendingMessage.dossier_id == dossier_id).order_by(PendingMessage.id)).all()

    def pending_message(self, dossier_id: int, message_id: str) -> PendingMessage | None:
        return self.session.scalar(select(PendingMessage).where(
            PendingMessage.dossier_id == dossier_id, PendingMessage.message_id == message_id))

    def drop_pending(self, rows: Sequence[PendingMessage], at: datetime) -> None:
        """Remove kept messages (delivered or expired); their ids count as seen from now
        on, so a repeat is ignored."""
        for row in rows:
            if row.message_id:
                self.session.add(ProcessedMessage(dossier_id=row.dossier_id,
                                                  message_id=row.message_id, received_at=at))
            self.session.delete(row)

    def expired_message_dossiers(self, now: datetime, limit: int) -> Sequence[int]:
        """Dossiers holding a kept message whose time to live passed (the expiry index)."""
        return self.session.scalars(
            select(PendingMessage.dossier_id).where(PendingMessage.expires_at <= now)
            .group_by(PendingMessage.dossier_id).order_by(PendingMessage.dossier_id)
            .limit(limit)).all()
