"""The documents issued for dossiers: stored, listed, read with their content, and their
first rendering kept."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.orm import undefer

from engine.store.hot_path import HotPath
from engine.store.models import (
    Document,
)


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
