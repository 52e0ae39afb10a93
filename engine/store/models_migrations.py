"""Running dossiers moved from one version of their process to another (migration 0027)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class DossierMigration(Base):
    """One request to move a process's running dossiers from one version to another: who,
    when, the element mapping used; `running` until every dossier has a result."""

    __tablename__ = "dossier_migrations"
    __table_args__ = (Index("ix_dossier_migrations_process", "province", "process_key", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    process_key: Mapped[str] = mapped_column(String(200))
    from_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    to_definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    mapping: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class DossierMigrationItem(Base):
    """One dossier of a migration: pending, moved, skipped (already on the target) or
    failed (it stays on its version; `reasons` say why)."""

    __tablename__ = "dossier_migration_items"
    __table_args__ = (Index("ix_dossier_migration_items_status", "migration_id", "status"),)
    migration_id: Mapped[int] = mapped_column(ForeignKey("dossier_migrations.id"),
                                              primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[Any] | None] = mapped_column(JSON)
    done_at: Mapped[datetime | None]
