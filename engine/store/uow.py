"""The unit of work: one transaction per command, and the only place that commits."""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
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

    A command that only takes the hot path (`Repository`'s `HotPath` half: lock, buffered
    writes) runs on a pool connection of its own, without an ORM session: the session's
    bookkeeping cost more than the statements. The session is opened the first time it is
    asked for and then joins the transaction already begun on that connection.
    """

    def __init__(self, session_factory: sessionmaker[Session],
                 after_commit: Callable[[], None] | None = None, *,
                 readonly: bool = False) -> None:
        self._factory = session_factory
        self._engine: Engine = session_factory.kw["bind"]
        self.dialect = self._engine.dialect
        self._after_commit = after_commit
        self._readonly = readonly
        self._session: Session | None = None
        self._raw: Any = None  # the pool connection the hot path began the transaction on
        self._joined: Connection | None = None  # the session's connection around it
        self.repo: Repository

    def __enter__(self) -> UnitOfWork:
        self.repo = Repository(self)
        if self._readonly:
            options: dict[str, Any] = {"motcua_readonly": True}
            if self.dialect.name == "postgresql":
                # Under READ COMMITTED each statement reads its own snapshot anyway; without
                # BEGIN and COMMIT a one-query read is one round trip instead of three.
                options["isolation_level"] = "AUTOCOMMIT"
            self.session.connection(execution_options=options)
        return self

    @property
    def session(self) -> Session:
        """The ORM session, in this unit of work's transaction."""
        if self._session is None:
            if self._raw is not None:
                self._joined = Connection(self._engine, connection=self._raw)
                self._session = self._factory(bind=self._joined)
            else:
                self._session = self._factory()
        return self._session

    @property
    def open_session(self) -> Session | None:
        """The ORM session if something opened it, else None (without opening one)."""
        return self._session

    def driver(self) -> Any:
        """The DBAPI connection of this unit of work's transaction, begun if need be:
        psycopg begins on the first statement; SQLite takes its write lock at once (BEGIN
        IMMEDIATE, as engine.store.db does for sessions)."""
        if self._session is not None:
            return self._session.connection().connection.driver_connection
        if self._raw is None:
            raw = self._engine.raw_connection()
            if self.dialect.name == "sqlite":
                try:
                    raw.cursor().execute("BEGIN IMMEDIATE")
                except BaseException:
                    raw.close()
                    raise
            self._raw = raw
        return self._raw.driver_connection

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            session = self._session
            if session is not None:
                # close() hands the connection back with a rollback but, unlike
                # session.rollback(), leaves loaded objects readable: read-only use cases
                # return them after the block.
                if exc is not None and session.in_transaction():
                    session.rollback()
                elif self._readonly and session.in_transaction():
                    # A read-only transaction ends with COMMIT, not ROLLBACK: same effect,
                    # but psycopg forgets the connection's prepared statements on every
                    # ROLLBACK, and the hot-path statements are only worth preparing if
                    # they stay prepared.
                    session.commit()
                session.close()
        finally:
            # Back to the pool, which rolls back whatever was not committed.
            if self._joined is not None:
                self._joined.close()
            elif self._raw is not None:
                self._raw.close()

    def commit(self) -> None:
        session = self._session
        # Pending objects may already be flushed by a query, so the repository notes it.
        wrote_outbox = session is not None and (
            session.info.pop("outbox_written", False)
            or any(isinstance(o, OutboxMessage) for o in session.new))
        try:
            # Without a session, PostgreSQL's writes carry the COMMIT in their round trip.
            committed = self.repo.flush_writes(commit=session is None)
            if session is not None:
                session.commit()
            elif self._raw is not None and not committed:
                self._raw.driver_connection.commit()
        except StaleDataError as exc:
            raise ConcurrentUpdate("the dossier was changed by another request; retry") from exc
        if wrote_outbox and self._after_commit is not None:
            self._after_commit()


__all__ = ["IntegrityError", "UnitOfWork"]
