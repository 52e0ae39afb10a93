"""Telling a lost database connection from every other database error.

A connection breaks under a command when the server restarts or terminates its backend
(`pg_terminate_backend`, a failover), when the network drops, or when no pooled connection
is free in time. That is no fault of the command: the unit of work turns it into
`DatabaseUnavailable` (nothing was committed, the command may run again) or `CommitUnknown`
(the connection broke while COMMIT was on its way). SQLite has no connection to lose: its
errors are never taken for one.
"""
from __future__ import annotations

import psycopg
from sqlalchemy import exc as sa

# SQLSTATEs of a connection the server ended or refused: class 08 (connection exception),
# 57P01-57P05 (terminated, crash shutdown, starting up, database dropped, idle session
# timeout), 25P03 (idle in transaction too long), 53300 (too many connections).
_SERVER_LEFT = ("57P01", "57P02", "57P03", "57P04", "57P05", "25P03", "53300")


def connection_state(sqlstate: str | None) -> bool:
    """Whether a SQLSTATE says the connection is gone (or was never given)."""
    return sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _SERVER_LEFT)


def is_connection_fault(exc: BaseException) -> bool:
    """Whether `exc` is a lost or unobtainable database connection rather than an error of
    the statement itself."""
    if isinstance(exc, sa.TimeoutError | sa.DisconnectionError):  # pool exhausted; dead
        return True
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:  # SQLAlchemy found the connection gone
            return True
        if exc.orig is None:
            return False
        exc = exc.orig
    if isinstance(exc, psycopg.OperationalError):
        # No SQLSTATE: libpq's own (cannot connect, connection closed, consuming input failed).
        return exc.sqlstate is None or connection_state(exc.sqlstate)
    return False


def commit_unknown(exc: BaseException) -> bool:
    """Whether a connection fault raised by the writes that carry their own COMMIT (the
    hot path's pipeline) left the commit's outcome unknown."""
    return bool(getattr(exc, "commit_unknown", False))
