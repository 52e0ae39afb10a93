"""Queries of dossier migrations: the dossiers a migration covers and its results."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine.store.models import Dossier
from engine.store.models_migrations import DossierMigration, DossierMigrationItem


def running_dossiers(session: Session, definition_id: int, codes: Sequence[str] | None,
                     limit: int, offset: int = 0) -> tuple[Sequence[Dossier], int]:
    """The version's dossiers still in process (only `codes` if given), oldest first, and
    how many there are in all."""
    where = [Dossier.definition_id == definition_id, Dossier.status == "in_process"]
    if codes is not None:
        where.append(Dossier.code.in_(list(codes)))
    total = session.scalar(select(func.count()).select_from(Dossier).where(*where)) or 0
    rows = session.scalars(select(Dossier).where(*where).order_by(Dossier.id)
                           .limit(limit).offset(offset)).all()
    return rows, total


def running_dossier_ids(session: Session, definition_id: int,
                        codes: Sequence[str] | None) -> list[int]:
    where = [Dossier.definition_id == definition_id, Dossier.status == "in_process"]
    if codes is not None:
        where.append(Dossier.code.in_(list(codes)))
    return list(session.scalars(select(Dossier.id).where(*where).order_by(Dossier.id)))


def migration(session: Session, province: str, key: str, migration_id: int
              ) -> DossierMigration | None:
    return session.scalar(select(DossierMigration).where(
        DossierMigration.id == migration_id, DossierMigration.province == province,
        DossierMigration.process_key == key))


def item(session: Session, migration_id: int, dossier_id: int) -> DossierMigrationItem | None:
    return session.get(DossierMigrationItem, (migration_id, dossier_id))


def counts(session: Session, migration_id: int) -> dict[str, int]:
    """Dossiers of the migration by status."""
    rows = session.execute(select(DossierMigrationItem.status, func.count())
                           .where(DossierMigrationItem.migration_id == migration_id)
                           .group_by(DossierMigrationItem.status)).all()
    return {status: n for status, n in rows}


def items(session: Session, migration_id: int, limit: int, offset: int
          ) -> Sequence[tuple[DossierMigrationItem, str]]:
    """A page of the migration's results per dossier, with the dossiers' codes."""
    rows = session.execute(
        select(DossierMigrationItem, Dossier.code)
        .join(Dossier, Dossier.id == DossierMigrationItem.dossier_id)
        .where(DossierMigrationItem.migration_id == migration_id)
        .order_by(DossierMigrationItem.dossier_id).limit(limit).offset(offset)).all()
    return [(r[0], r[1]) for r in rows]


def finish_if_done(session: Session, migration_id: int, at: datetime) -> bool:
    """Mark the migration finished once no dossier of it is pending (one UPDATE, so two
    workers finishing its last batches together mark it once)."""
    pending = select(DossierMigrationItem.dossier_id).where(
        DossierMigrationItem.migration_id == migration_id,
        DossierMigrationItem.status == "pending").exists()
    done = session.execute(update(DossierMigration).where(
        DossierMigration.id == migration_id, DossierMigration.status == "running", ~pending)
        .values(status="finished", finished_at=at))
    return bool(getattr(done, "rowcount", 0))


def stalled(session: Session, before: datetime, limit: int) -> list[tuple[int, list[int]]]:
    """Running migrations with dossiers still pending and no result since `before`: their
    jobs were lost (a worker killed, Redis restarted). migration id -> pending dossier ids."""
    last = (select(DossierMigrationItem.migration_id,
                   func.max(DossierMigrationItem.done_at).label("last"))
            .group_by(DossierMigrationItem.migration_id).subquery())
    ids = session.scalars(
        select(DossierMigration.id).join(last, last.c.migration_id == DossierMigration.id)
        .where(DossierMigration.status == "running", DossierMigration.created_at < before,
               func.coalesce(last.c.last, DossierMigration.created_at) < before)).all()
    out: list[tuple[int, list[int]]] = []
    for migration_id in ids:
        pending = session.scalars(select(DossierMigrationItem.dossier_id).where(
            DossierMigrationItem.migration_id == migration_id,
            DossierMigrationItem.status == "pending")
            .order_by(DossierMigrationItem.dossier_id).limit(limit)).all()
        out.append((migration_id, list(pending)))
    return out


def add_items(session: Session, migration_id: int, dossier_ids: Sequence[int]) -> None:
    rows: list[dict[str, Any]] = [{"migration_id": migration_id, "dossier_id": d,
                                   "status": "pending"} for d in dossier_ids]
    if rows:
        session.execute(insert(DossierMigrationItem), rows)
