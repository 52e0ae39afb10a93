"""What hangs on a dossier beside its history: the clients granted it, and the messages
kept until its process waits for them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class DossierGrant(Base):
    """Another integration client allowed to read and act on a dossier, as the client that
    started it does (granted by that client or an administrator)."""

    __tablename__ = "dossier_grants"
    __table_args__ = (Index("ix_dossier_grant_client", "client_id"),)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), primary_key=True)
    granted_by: Mapped[int] = mapped_column(ForeignKey("principals.id"))
    granted_at: Mapped[datetime]


class PendingMessage(Base):
    """A message that came before its process waited for it: delivered by the command that
    brings the process to a catching event, or dropped when `expires_at` passes."""

    __tablename__ = "pending_messages"
    __table_args__ = (
        UniqueConstraint("dossier_id", "message_id", name="uq_pending_message_id"),
        Index("ix_pending_message_dossier", "dossier_id"),
        Index("ix_pending_message_expires", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    name: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    received_at: Mapped[datetime]
    expires_at: Mapped[datetime]
