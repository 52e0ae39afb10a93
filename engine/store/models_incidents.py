"""Incidents: where a diagram failed at run time, for designers to repair and retry."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class Incident(Base):
    """A failure of a diagram on a dossier (or at intake, before there was one): the element,
    the error, what drove it (`trigger`: an officer's or client's `command`, a `timer`, or
    `stored`: a dossier stopped on an error before incidents were recorded), how often it
    happened while open, and how it was resolved."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incident_province", "province", "status", "id"),
                      Index("ix_incident_dossier", "dossier_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(500))
    element_type: Mapped[str | None] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(20))
    # The command that failed: task.complete (of `task_id`), message or supplement (named
    # `message`), intake; None for a timer.
    command: Mapped[str | None] = mapped_column(String(50))
    task_id: Mapped[str | None] = mapped_column(String(36))
    message: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # open, resolved
    count: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    resolution: Mapped[str | None] = mapped_column(String(50))
