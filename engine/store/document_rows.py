"""The documents issued for dossiers: stored, listed, read with their content, and their
first rendering kept."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import (
    Table,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import aliased, undefer

from engine.store.hot_path import HotPath
from engine.store.models import (
    Document,
    Dossier,
    ProcessDefinition,
    StoredCalendar,
    StoredProcedure,
    Unit,
)

_DOSSIERS = cast(Table, Dossier.__table__)
_PARENT = aliased(Unit)

_PROCEDURE_OF_PROCESS = (
    select(StoredProcedure.code, StoredProcedure.data)
    .where(StoredProcedure.province == bindparam("province"),
           StoredProcedure.process_key == bindparam("process_key"))
    .order_by(StoredProcedure.id).limit(1).subquery())
_INTAKE_LOOKUP = select(
    select(ProcessDefinition.id)
    .where(ProcessDefinition.province == bindparam("province"),
           ProcessDefinition.key == bindparam("process_key"))
    .order_by(ProcessDefinition.version.desc()).limit(1)
    .scalar_subquery().label("definition_id"),
    select(_PROCEDURE_OF_PROCESS.c.code).scalar_subquery().label("procedure_code"),
    select(_PROCEDURE_OF_PROCESS.c.data).scalar_subquery().label("procedure_data"),
    select(StoredCalendar.id).where(StoredCalendar.province == bindparam("province"),
                                    StoredCalendar.id == bindparam("unit"))
    .scalar_subquery().label("unit_calendar"),
    select(Unit.province).where(Unit.code == bindparam("unit"), Unit.registered_at.is_not(None))
    .scalar_subquery().label("unit_province"),
    select(Unit.name).where(Unit.code == bindparam("unit"))
    .scalar_subquery().label("unit_name"),
    select(_PARENT.name).join(Unit, Unit.parent == _PARENT.code)
    .where(Unit.code == bindparam("unit")).scalar_subquery().label("agency_name"),
    select(Dossier.id).where(Dossier.client_id == bindparam("client_id"),
                             Dossier.idempotency_key == bindparam("key"))
    .scalar_subquery().label("first_dossier_id"))


class DocumentRows(HotPath):
    def add_document(self, document: Document) -> None:
        """A document issued for a dossier, written at commit. A dossier this unit of work
        starts is written first (its row is buffered on the hot path until then)."""
        if self._inserted is not None:
            self.flush_writes()
        self.session.add(document)

    def documents_of(self, dossier_id: int) -> Sequence[Document]:
        """The dossier's documents, oldest first, without their content."""
        return self.session.scalars(select(Document).where(
            Document.dossier_id == dossier_id).order_by(Document.id)).all()

    def document(self, dossier_id: int, document_id: int) -> Document | None:
        """One document of the dossier, with its content."""
        return self.session.scalar(select(Document).options(undefer(Document.content)).where(
            Document.dossier_id == dossier_id, Document.id == document_id))

    def store_rendering(self, document_id: int, content: bytes, sha256: str,
                        at: datetime) -> None:
        """Keep a document's first rendering; a rendering stored already is kept as is."""
        self._core(update(Document).where(Document.id == document_id,
                                          Document.content.is_(None))
                   .values(content=content, sha256=sha256, size=len(content),
                           rendered_at=at))
