"""The unit of work: one transaction per command, and the only place that commits."""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as SQLATimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import CommitUnknown, ConcurrentUpdate, DatabaseUnavailable
from engine.store import faults
from engine.store.db import suspect_pool
from engine.store.models import OutboxMessage
from engine.store.pg_pipeline import ensure_open
from engine.store.repository import Repository

T = TypeVar("T")
# How many units of work committed in this context (a request's thread): see run_command.
_COMMITS: ContextVar[int] = ContextVar("motcua_commits", default=0)


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — leaving without commit rolls back.

    `after_commit` runs once the transaction is durable if outbox messages were written,
    so a job is never enqueued for a change that was rolled back; `after_deliveries` is
    given the ids of the webhook deliveries it wrote.

    A command that only takes the hot path (`Repository`'s `HotPath` half: lock, buffered
    writes) runs on a pool connection of its own, without an ORM session: the session's
    bookkeeping cost more than the statements. The session is opened the first time it is
    asked for and then joins the transaction already begun on that connection.
    """

    def __init__(self, session_factory: sessionmaker[Session],
                 after_commit: Callable[[], None] | None = None, *,
                 readonly: bool = False,
                 after_deliveries: Callable[[list[int]], None] | None = None) -> None:
        self._factory = session_factory
        self._engine: Engine = session_factory.kw["bind"]
        self.dialect = self._engine.dialect
        self.database = self._engine.url  # names the database (caches keyed per database)
        self._after_commit = after_commit
        self._after_deliveries = after_deliveries
        self._readonly = readonly
        self._session: Session | None = None
        self._raw: Any = None  # the pool connection the hot path began the transaction on
        self._joined: Connection | None = None  # the session's connection around it
        self._discarded = False  # its connection broke and was dropped from the pool
        self.repo: Repository

    def __enter__(self) -> UnitOfWork:
        self.repo = Repository(self)
        if self._readonly:
            options: dict[str, Any] = {"motcua_readonly": True}
            if self.dialect.name == "postgresql":
                # Under READ COMMITTED each statement reads its own snapshot anyway; without
                # BEGIN and COMMIT a one-query read is one round trip instead of three.
                options["isolation_level"] = "AUTOCOMMIT"
            try:
                self.session.connection(execution_options=options)
            except BaseException as exc:
                self.__exit__(type(exc), exc, exc.__traceback__)
                raise
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
            self._session.info["hot_path"] = self.repo  # dossiers it writes move counts
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
        lost = exc is not None and (faults.is_connection_fault(exc)
                                    or isinstance(exc, CommitUnknown))
        try:
            if lost:
                self._discard()
            session = self._session
            if session is not None:
                # close() hands the connection back with a rollback but, unlike
                # session.rollback(), leaves loaded objects readable: read-only use cases
                # return them after the block.
                if exc is not None and not lost and session.in_transaction():
                    session.rollback()
                elif self._readonly and session.in_transaction():
                    # A read-only transaction ends with COMMIT, not ROLLBACK: same effect,
                    # but psycopg forgets the connection's prepared statements on every
                    # ROLLBACK, and the hot-path statements are only worth preparing if
                    # they stay prepared.
                    session.commit()
                session.close()
        except Exception as cleanup:
            if not faults.is_connection_fault(cleanup):
                raise
            self._discard()
            if exc is None:  # a read-only unit's COMMIT: nothing was written
                raise self._unavailable(cleanup) from cleanup
        finally:
            # Back to the pool, which rolls back whatever was not committed.
            if self._joined is not None:
                self._joined.close()
            elif self._raw is not None:
                self._raw.close()
        if lost and not isinstance(exc, CommitUnknown):
            assert exc is not None
            raise self._unavailable(exc) from exc

    def _discard(self) -> None:
        """Drop this unit's broken connection from the pool (without the rollback a
        returned connection gets) and have the pool check the others before their use."""
        if self._discarded:
            return
        self._discarded = True
        suspect_pool(self._engine)
        if self._joined is not None:
            self._joined.invalidate()
        elif self._raw is not None:
            self._raw.invalidate()
        elif self._session is not None:
            self._session.invalidate()

    @staticmethod
    def _unavailable(exc: BaseException) -> DatabaseUnavailable:
        if isinstance(exc, SQLATimeout):
            return DatabaseUnavailable("no database connection came free in time; retry "
                                       "later", retry=False)
        return DatabaseUnavailable("the database connection was lost before the command "
                                   "committed; nothing was written, it may be sent again")

    def commit(self) -> None:
        session = self._session
        # Pending objects may already be flushed by a query, so the repository notes it.
        wrote_outbox = session is not None and (
            session.info.pop("outbox_written", False)
            or any(isinstance(o, OutboxMessage) for o in session.new))
        try:
            # Without a session, PostgreSQL's writes carry the COMMIT in their round trip.
            try:
                committed = self.repo.flush_writes(commit=session is None)
            except Exception as exc:
                if faults.is_connection_fault(exc) and faults.commit_unknown(exc):
                    raise self._commit_unknown() from exc
                raise
            if session is not None and (session.in_transaction() or self._raw is None):
                session.flush()
                self._committing(session.commit)
            elif self._raw is not None and not committed:
                # (also a session opened on it that never ran a statement: it has no
                # transaction of its own to commit, the raw connection has)
                self._committing(self._raw.driver_connection.commit)
        except StaleDataError as exc:
            raise ConcurrentUpdate("the dossier was changed by another request; retry") from exc
        _COMMITS.set(_COMMITS.get() + 1)
        if wrote_outbox and self._after_commit is not None:
            self._after_commit()
        delivered = self.repo.delivery_ids
        if delivered and self._after_deliveries is not None:
            ids, delivered[:] = list(delivered), []
            self._after_deliveries(ids)

    def _committing(self, commit: Callable[[], None]) -> None:
        """Send COMMIT once the connection is known to be open (a connection the server
        closed meanwhile fails before it, as DatabaseUnavailable); a fault after it was
        sent leaves its outcome unknown."""
        if self.dialect.name == "postgresql":
            ensure_open(self.driver())
        try:
            commit()
        except Exception as exc:
            if faults.is_connection_fault(exc):
                raise self._commit_unknown() from exc
            raise

    @staticmethod
    def _commit_unknown() -> CommitUnknown:
        return CommitUnknown("the database connection was lost while the command was "
                             "committed: it may or may not have been applied; send it "
                             "again with the same Idempotency-Key")


def run_command(command: Callable[[], T]) -> T:
    """Run `command` (which opens its own units of work); when the database connection
    broke before any of them committed, run it once more, on a fresh connection. Commands
    are transactions, so a command that failed that way left nothing behind."""
    token = _COMMITS.set(0)
    try:
        try:
            return command()
        except DatabaseUnavailable as exc:
            if not exc.retry or _COMMITS.get():
                raise
        return command()
    finally:
        _COMMITS.reset(token)


__all__ = ["IntegrityError", "UnitOfWork"]
