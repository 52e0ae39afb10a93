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
"""
from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import abc, errors, generators, pq
from psycopg.adapt import PyFormat, Transformer

_IDLE = pq.TransactionStatus.IDLE
_FATAL = pq.ExecStatus.FATAL_ERROR
_PREPARED = pq.ExecStatus.COMMAND_OK
_NAMES: dict[bytes, bytes] = {}  # statement SQL → its prepared statement name
_MAX_NAMES = 1024
# Statements one connection keeps prepared (each holds a plan on the server); the writes
# take a few dozen shapes in practice, the first ones met are the common ones.
MAX_PREPARED = 200
_NAMING = threading.Lock()


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
    values = [_dump(tx, step.params) for step in steps]  # before anything is queued
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
            preparing.append(None)
        pgconn.pipeline_sync()
        results = conn.wait(_results(pgconn, len(preparing)))
        pgconn.exit_pipeline_mode()
    except BaseException:
        conn.close()  # its protocol state is unknown: the pool replaces it
        raise
    mine = []
    for name, result in zip(preparing, results, strict=True):
        if name is None:
            mine.append(result)
        elif result.status == _PREPARED:  # not failed, nor skipped after a failure
            prepared.add(name)  # type: ignore[union-attr]  # not None with a name
    error = next((r for r in results if r.status == _FATAL), None)
    if error is not None:
        raise errors.error_from_result(error, encoding=conn.info.encoding)
    return mine


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


def _results(pgconn: pq.abc.PGconn, sends: int
             ) -> Generator[Any, Any, list[pq.abc.PGresult]]:
    """Flush the pipeline, then read the last result of each of `sends` statements and the
    sync that ends it."""
    yield from generators.send(pgconn)
    results = []
    for _ in range(sends):
        got = yield from generators.fetch_many(pgconn)
        results.append(got[-1])
    sync = yield from generators.fetch_many(pgconn)
    assert sync and sync[0].status == pq.ExecStatus.PIPELINE_SYNC
    return results
