"""Several statements sent to PostgreSQL in one round trip, as prepared statements of our own.

A command on the hot path used to cost four round trips: BEGIN, the locking read, the
writes, COMMIT. Each costs this process a send, a wait and a receive (about 70 µs of CPU on
loopback TCP) and the server as much again. libpq's pipeline mode queues statements and
reads their results after one flush, so BEGIN travels with the read and COMMIT with the
writes: two round trips. psycopg's own pipeline object costs more CPU than it saves here
(measured), so this module drives libpq's pipeline directly, through psycopg's PGconn, its
non-blocking generators and its adapters.

The statements are prepared once per connection under names of our own (`motcua_N`),
parameters sent as text and typed by the server from the statement, so a name always fits
whatever Python types are bound. psycopg ends a ROLLBACK with DEALLOCATE ALL when it holds
prepared statements of its own, which would drop ours too: `HotConnection` forgets ours
and deallocates them itself on every rollback of an open transaction, so what it believes
prepared is always prepared, and never prepared twice. On a plain psycopg connection (the
engine made with `prepare=False`, for a pooler in transaction mode) every statement runs
unnamed, in the same round trips.

A connection can break under an exchange (the server restarted, or terminated the backend).
Before anything is sent, `ensure_open` reads what the server may have said meanwhile: a
backend terminated while idle sends a FATAL notice and closes, so a broken connection is
found before a COMMIT is put on it. A break during an exchange raises `ConnectionLost`,
which says whether a COMMIT among its statements may have been applied.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import abc, errors, generators, pq
from psycopg.adapt import PyFormat, Transformer

from engine.store.faults import connection_state

_IDLE = pq.TransactionStatus.IDLE
_FATAL = pq.ExecStatus.FATAL_ERROR
_PREPARED = pq.ExecStatus.COMMAND_OK
_BAD = pq.ConnStatus.BAD
_COMMIT = b"COMMIT"
_NAMES: dict[bytes, bytes] = {}  # statement SQL → its prepared statement name
_MAX_NAMES = 1024
# Statements one connection keeps prepared (each holds a plan on the server); the writes
# take a few dozen shapes in practice, the first ones met are the common ones.
MAX_PREPARED = 200
_NAMING = threading.Lock()


class ConnectionLost(psycopg.OperationalError):
    """The connection broke during an exchange. `commit_unknown`: a COMMIT was sent and
    neither its result nor an error the server raised before it came back, so the
    transaction may or may not have been committed; otherwise it was not."""

    def __init__(self, message: str, *, commit_unknown: bool) -> None:
        super().__init__(message)
        self.commit_unknown = commit_unknown


def watch(conn: psycopg.Connection[Any]) -> None:
    """Note on `conn` when the server says FATAL (its last word before it closes the
    connection: terminated, shut down, idle too long), for `ensure_open`."""
    ref = weakref.ref(conn)  # the handler is kept by the connection: no cycle

    def note(diagnostic: psycopg.errors.Diagnostic) -> None:
        if diagnostic.severity_nonlocalized in ("FATAL", "PANIC"):
            found = ref()
            if found is not None:
                found.motcua_server_left = True  # type: ignore[attr-defined]

    conn.add_notice_handler(note)


def ensure_open(conn: psycopg.Connection[Any]) -> None:
    """Raise ConnectionLost (nothing sent, so nothing committed) when the server has closed
    the connection or said it would: two calls that cost no round trip."""
    pgconn = conn.pgconn
    try:
        pgconn.consume_input()  # reads what arrived, without waiting; fails on a closed socket
        pgconn.is_busy()  # parses it: a FATAL sent while idle reaches the notice handler
    except psycopg.OperationalError as exc:
        raise ConnectionLost(f"the database connection is lost: {exc}",
                             commit_unknown=False) from exc
    if pgconn.status == _BAD or getattr(conn, "motcua_server_left", False):
        if not conn.closed:
            conn.close()
        raise ConnectionLost("the database server closed the connection",
                             commit_unknown=False)


class HotConnection(psycopg.Connection[Any]):
    """psycopg's connection, knowing which of the hot path's statements it has prepared."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hot_prepared: set[bytes] = set()
        # Made on first use: psycopg.connect sets the connection's adapters (SQLAlchemy's,
        # with the store's JSON codec) only after __init__.
        self.hot_transformer: abc.Transformer | None = None

    def rollback(self) -> None:
        open_transaction = self.pgconn.transaction_status != _IDLE
        super().rollback()
        if open_transaction and self.hot_prepared:
            # psycopg may just have sent DEALLOCATE ALL, or not: start again from none.
            self.hot_prepared.clear()
            exchange(self, [Step(b"DEALLOCATE ALL")])


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a pipeline; `prepare`: run it as a named prepared statement."""
    sql: bytes
    params: Sequence[Any] | None = None
    prepare: bool = False


def begin_if_idle(conn: psycopg.Connection[Any]) -> list[Step]:
    """The BEGIN psycopg would send (with the connection's isolation level and access
    mode), when the connection is not in a transaction yet."""
    if conn.pgconn.transaction_status != _IDLE:
        return []
    if conn.autocommit:
        raise RuntimeError("the hot path runs in a transaction, not in autocommit")
    parts = [b"BEGIN"]
    if conn.isolation_level is not None:
        level = psycopg.IsolationLevel(conn.isolation_level)
        parts.append(b"ISOLATION LEVEL " + level.name.replace("_", " ").encode())
    if conn.read_only is not None:
        parts.append(b"READ ONLY" if conn.read_only else b"READ WRITE")
    if conn.deferrable is not None:
        parts.append(b"DEFERRABLE" if conn.deferrable else b"NOT DEFERRABLE")
    return [Step(b" ".join(parts))]


def exchange(conn: psycopg.Connection[Any], steps: Sequence[Step]) -> list[pq.abc.PGresult]:
    """Run `steps` in one round trip and return the result of each. The first failing
    statement's error is raised (as psycopg raises it) once every result is read; the steps
    after it did not run."""
    pgconn = conn.pgconn
    tx = _transformer(conn)
    prepared: set[bytes] | None = getattr(conn, "hot_prepared", None)
    preparing: list[bytes | None] = []  # per statement sent: the name it prepares, or None
    commit_at: int | None = None  # the index of the COMMIT among the results, if sent
    values = [_dump(tx, step.params) for step in steps]  # before anything is queued
    ensure_open(conn)
    results: list[pq.abc.PGresult] = []
    pgconn.enter_pipeline_mode()
    try:
        for step, params in zip(steps, values, strict=True):
            name = _name(step.sql) if step.prepare and prepared is not None else None
            if name is not None and name not in prepared:  # type: ignore[operator]
                if len(prepared) < MAX_PREPARED:  # type: ignore[arg-type]
                    pgconn.send_prepare(name, step.sql)
                    preparing.append(name)
                else:  # the connection holds enough: a rarer statement runs unnamed
                    name = None
            if name is None:
                pgconn.send_query_params(step.sql, params)
            else:
                pgconn.send_query_prepared(name, params)
            if step.sql == _COMMIT:
                commit_at = len(preparing)
            preparing.append(None)
        pgconn.pipeline_sync()
        conn.wait(_results(pgconn, len(preparing), results))
        pgconn.exit_pipeline_mode()
    except BaseException as exc:
        conn.close()  # its protocol state is unknown: the pool replaces it
        if len(results) < len(preparing) or not isinstance(exc, psycopg.OperationalError):
            if isinstance(exc, psycopg.OperationalError):
                raise ConnectionLost(f"the database connection broke: {exc}",
                                     commit_unknown=_commit_unknown(results, commit_at)
                                     ) from exc
            raise
        # Every statement answered and only the end of the pipeline is missing: what they
        # did stands (a COMMIT among them was applied); the connection alone is lost.
    mine = []
    for name, result in zip(preparing, results, strict=True):
        if name is None:
            mine.append(result)
        elif result.status == _PREPARED:  # not failed, nor skipped after a failure
            prepared.add(name)  # type: ignore[union-attr]  # not None with a name
    failed = next((i for i, r in enumerate(results) if r.status == _FATAL), None)
    if failed is not None:
        error = errors.error_from_result(results[failed], encoding=conn.info.encoding)
        if connection_state(error.sqlstate):  # the server's last word before it closed
            conn.close()
            if commit_at is not None and failed >= commit_at:
                # Said in answer to the COMMIT: it may have been applied just before.
                raise ConnectionLost(f"the database connection broke: {error}",
                                     commit_unknown=True) from error
        raise error
    return mine


def _commit_unknown(results: list[pq.abc.PGresult], commit_at: int | None) -> bool:
    """Whether a COMMIT sent may have been applied, from the results read before the
    connection broke: not if an error the server raised (it has a SQLSTATE, unlike the
    ones libpq makes up for a lost connection) came back for a statement before it."""
    if commit_at is None:
        return False
    for result in results[:commit_at]:
        if result.status == _FATAL and result.error_field(pq.DiagnosticField.SQLSTATE):
            return False
    return True


def rows(conn: psycopg.Connection[Any], result: pq.abc.PGresult) -> list[tuple[Any, ...]]:
    """The rows of a result, loaded by psycopg's adapters."""
    tx = _transformer(conn)
    tx.set_pgresult(result)
    loaded: list[tuple[Any, ...]] = tx.load_rows(0, result.ntuples, tuple)
    tx.set_pgresult(None)
    return loaded


def _name(sql: bytes) -> bytes | None:
    """The statement's prepared name, the same in every thread and connection; None once
    there are too many (the statement then runs unnamed)."""
    name = _NAMES.get(sql)
    if name is None and len(_NAMES) < _MAX_NAMES:
        with _NAMING:
            name = _NAMES.setdefault(sql, b"motcua_%d" % len(_NAMES))
    return name


def _transformer(conn: psycopg.Connection[Any]) -> abc.Transformer:
    """psycopg's adapters for the connection, kept on a HotConnection."""
    if not isinstance(conn, HotConnection):
        return Transformer(conn)
    if conn.hot_transformer is None:
        conn.hot_transformer = Transformer(conn)
    return conn.hot_transformer


def _dump(tx: abc.Transformer, params: Sequence[Any] | None) -> Sequence[abc.Buffer | None] | None:
    """Parameters as text: the server types them from the statement."""
    if not params:
        return None
    return tx.dump_sequence(params, [PyFormat.TEXT] * len(params))


def _results(pgconn: pq.abc.PGconn, sends: int, results: list[pq.abc.PGresult]
             ) -> Generator[Any, Any, None]:
    """Flush the pipeline, then read into `results` the last result of each of `sends`
    statements, and the sync that ends it. A connection that breaks meanwhile raises
    OperationalError, with `results` holding what was read before."""
    yield from generators.send(pgconn)
    for _ in range(sends):
        got = yield from generators.fetch_many(pgconn)
        if not got:
            raise psycopg.OperationalError("the server closed the connection in a pipeline")
        results.append(got[-1])
    sync = yield from generators.fetch_many(pgconn)
    if not (sync and sync[0].status == pq.ExecStatus.PIPELINE_SYNC):
        raise psycopg.OperationalError("the server closed the connection in a pipeline")
