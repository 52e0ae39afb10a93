"""A pooled PostgreSQL connection the server dropped while it sat idle is replaced before
a command uses it."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine.store import db
from tests.conftest import PG_URL, require

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_url() -> str:
    return require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")


def _pooled_backend_dropped(url: str) -> object:
    """An engine whose one pooled connection the server has just terminated."""
    engine = db.make_engine(url, pool_size=1)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username,
                         dbname=u.database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return engine


def test_an_idle_connection_dropped_by_the_server_is_replaced(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every checkout counts as idle
    engine = _pooled_backend_dropped(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_connection_used_moments_ago_is_not_pinged(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The other side of the trade: within the idle window no check is made, so a
    # connection dropped in that window fails its command once.
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)
    engine = _pooled_backend_dropped(pg_url)
    try:
        with pytest.raises(Exception, match="terminat|closed|connection"):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        with engine.connect() as conn:  # and the pool has renewed itself
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
