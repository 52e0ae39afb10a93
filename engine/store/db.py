"""Database engines: PostgreSQL in production, a SQLite file on a laptop."""
from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from engine import jsoncodec
from engine.store.pg_pipeline import HotConnection, watch


def make_engine(url: str, *, pool_size: int = 5, prepare: bool = True) -> Engine:
    """An engine configured so that locking behaves the same on both backends. `prepare`
    (PostgreSQL): statements run as prepared statements of their connection, the hot
    path's at once and the others from their sixth run (psycopg's threshold); without it,
    none is ever prepared, as a pooler that moves transactions between server connections
    requires."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                               json_serializer=jsoncodec.dumps,
                               json_deserializer=jsoncodec.loads)
        _serialize_sqlite_writers(engine)
        return engine
    # LIFO: the connection used last is used next, with its prepared statements warm.
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2,
                           pool_use_lifo=True, json_serializer=jsoncodec.dumps,
                           json_deserializer=jsoncodec.loads,
                           connect_args={} if prepare else {"prepare_threshold": None})
    _ping_idle_connections(engine)
    _watch_connections(engine)
    if prepare:
        _hot_connections(engine)
    return engine


def _hot_connections(engine: Engine) -> None:
    """psycopg connections that keep the hot path's own prepared statements (see
    engine.store.pg_pipeline)."""

    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> HotConnection:
        return HotConnection.connect(*cargs, **cparams)


def _watch_connections(engine: Engine) -> None:
    """Every connection notes the server's last word (see pg_pipeline.ensure_open)."""

    @event.listens_for(engine, "connect")
    def connect(dbapi_conn: Any, _record: Any) -> None:
        watch(dbapi_conn)


IDLE_PING_SECONDS = 5.0
# engine -> [the instant (monotonic) of its last connection fault]
_FAULTS: weakref.WeakKeyDictionary[Engine, list[float]] = weakref.WeakKeyDictionary()


def suspect_pool(engine: Engine) -> None:
    """A connection of `engine` broke: the server may have dropped the others too (a
    restart, a failover, backends terminated). Each pooled connection handed back before
    now is pinged at its next checkout, so that a command retried after the fault gets a
    live one."""
    fault = _FAULTS.get(engine)
    if fault is not None:
        fault[0] = time.monotonic()


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it sat idle for a while (the server may
    have restarted or dropped it meanwhile), or was pooled before a connection fault (see
    `suspect_pool`); a dead one is replaced before the command starts. A connection handed
    back moments ago is otherwise used as it is: pinging on every checkout would add a
    round trip to every command."""
    fault = _FAULTS[engine] = [0.0]

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or (time.monotonic() - since < IDLE_PING_SECONDS
                             and since > fault[0]):
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: the pool connects afresh and retries
            raise DisconnectionError(f"stale database connection: {exc}") from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _serialize_sqlite_writers(engine: Engine) -> None:
    # pysqlite opens transactions lazily and as DEFERRED, so two writers can both read and
    # then deadlock upgrading their locks. BEGIN IMMEDIATE takes the write lock up front,
    # which gives SQLite the same "lock, load, step, save" order as SELECT ... FOR UPDATE.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.connection.driver_connection.in_transaction:
            return  # a unit of work's hot path began it (BEGIN IMMEDIATE) before the session
        # Read-only units of work take no write lock, so readers never queue behind writers.
        readonly = conn.get_execution_options().get("motcua_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
