"""The record of a process version's life cycle: every change of its state (migration 0024)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class DefinitionTransition(Base):
    """One change of a version's state: deployed (from none), activated, superseded by the
    activation of another version, retired; who did it and when."""

    __tablename__ = "definition_transitions"
    __table_args__ = (Index("ix_definition_transitions_definition", "definition_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
