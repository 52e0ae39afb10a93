"""The unit of work: one transaction per command, and the only place that commits."""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import ConcurrentUpdate
from engine.store.models import OutboxMessage
from engine.store.repository import Repository


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — leaving without commit rolls back.

    `after_commit` runs once the transaction is durable if outbox messages were written,
    so a job is never enqueued for a change that was rolled back.
    """

    def __init__(self, session_factory: sessionmaker[Session],
                 after_commit: Callable[[], None] | None = None, *,
                 readonly: bool = False) -> None:
        self._factory = session_factory
        self._after_commit = after_commit
        self._readonly = readonly
        self.session: Session
        self.repo: Repository

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.repo = Repository(self.session)
        if self._readonly:
            options: dict[str, Any] = {"motcua_readonly": True}
            if self.repo.postgresql:
                # Under READ COMMITTED each statement reads its own snapshot anyway; without
                # BEGIN and COMMIT a one-query read is one round trip instead of three.
                options["isolation_level"] = "AUTOCOMMIT"
            self.session.connection(execution_options=options)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() hands the connection back with a rollback but, unlike session.rollback(),
        # leaves loaded objects readable: read-only use cases return them after the block.
        if exc is not None and self.session.in_transaction():
            self.session.rollback()
        elif self._readonly and self.session.in_transaction():
            # A read-only transaction ends with COMMIT, not ROLLBACK: same effect, but
            # psycopg forgets the connection's prepared statements on every ROLLBACK, and
            # the hot-path statements are only worth preparing if they stay prepared.
            self.session.commit()
        self.session.close()

    def commit(self) -> None:
        # Pending objects may already be flushed by a query, so the repository notes it.
        wrote_outbox = self.session.info.pop("outbox_written", False) or any(
            isinstance(o, OutboxMessage) for o in self.session.new)
        try:
            self.repo.flush_writes()
            self.session.commit()
        except StaleDataError as exc:
            raise ConcurrentUpdate("the dossier was changed by another request; retry") from exc
        if wrote_outbox and self._after_commit is not None:
            self._after_commit()


__all__ = ["IntegrityError", "UnitOfWork"]
