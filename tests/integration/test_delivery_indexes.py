"""The webhook deliveries' queries read through the indexes meant for them, the partial
ones included, as the statements are really sent: with their parameters, and on PostgreSQL
with the generic plan a prepared statement ends up with (a partial index's condition must
be written out in the query, not passed as a parameter, for such a plan to use it)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import sql as psycopg_sql
from sqlalchemy import create_engine, event, text

from engine.store.db import make_session_factory
from engine.store.migrate import upgrade
from engine.store.models_webhooks import WebhookDelivery
from engine.store.retention_rows import purge_delivered
from engine.store.uow import UnitOfWork
from tests.integration.fresh_database import fresh_url

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
DELIVERY = WebhookDelivery(id=7, subscription_id=3, dossier_id=5, status="pending")
ROWS = 30_000  # to 3 subscriptions, 3 deliveries a dossier; 1 in 50 pending, 1 in 100 dead


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of its own holding a delivery log as a province's grows: mostly
    delivered rows, a few pending and dead ones (the foreign keys are not enforced while
    they are written: no subscription or dossier is needed for a plan). PostgreSQL's
    statistics are taken, as autovacuum takes them; SQLite has none, as in production."""
    url = fresh_url(request.param, tmp_path_factory.mktemp("plans"), "delivery_plans")
    upgrade(url)
    engine = create_engine(url)
    rows = [{"id": i, "sub": i % 3 + 1, "dossier": i // 3 + 1,
             "status": "pending" if i % 50 == 0 else "dead" if i % 100 == 1 else "delivered",
             "at": NOW} for i in range(1, ROWS + 1)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(
            "INSERT INTO webhook_deliveries (id, subscription_id, dossier_id, event_type, "
            "payload, status, attempt_count, created_at, retries_since, next_attempt_at) "
            "VALUES (:id, :sub, :dossier, 'task.created', '{}', :status, 0, :at, :at, :at)"),
            rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE webhook_deliveries"))
    engine.dispose()
    return url


@contextmanager
def sent(url: str) -> Iterator[tuple[UnitOfWork, list[tuple[str, Any]]]]:
    """A unit of work on `url`, and the statements it sends to the database."""
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              many: bool) -> None:
        if "webhook_deliveries" in statement:
            statements.append((statement, parameters))

    with UnitOfWork(make_session_factory(engine)) as uow:
        yield uow, statements
    engine.dispose()


PG_TYPES = {int: "bigint", str: "text", datetime: "timestamptz", type(None): "unknown"}


def _prepared(name: str, sql: str, params: dict[str, Any]) -> tuple[str, Any]:
    """PREPARE and EXPLAIN EXECUTE statements for `sql` with SQLAlchemy's named parameters
    (psycopg's %(name)s) made $1, $2...: a plan for any value of them."""
    names: list[str] = []
    for found in re.findall(r"%\((\w+)\)s", sql):
        if found not in names:
            names.append(found)
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", sql)
    types = ", ".join(PG_TYPES[type(params[n])] for n in names)
    execute = psycopg_sql.SQL("EXPLAIN EXECUTE {}({})").format(
        psycopg_sql.Identifier(name),
        psycopg_sql.SQL(", ").join(psycopg_sql.Literal(params[n]) for n in names))
    return f"PREPARE {name} ({types}) AS {numbered}", execute


def plans(url: str, statements: list[tuple[str, Any]]) -> list[str]:
    engine = create_engine(url)
    out = []
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            for n, (sql, params) in enumerate(statements):
                prepare, execute = _prepared(f"plan_{n}", sql, params)
                cursor.execute(prepare)
                cursor.execute(execute)
                out.append("\n".join(r[0] for r in cursor.fetchall()))
        else:
            for sql, params in statements:
                rows = cursor.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                out.append("\n".join(str(r[-1]) for r in rows))
    engine.dispose()
    return out


PENDING = ("ix_webhook_delivery_chain", "ix_webhook_delivery_due")  # partial: pending rows
BY_ID = ("INTEGER PRIMARY KEY", "webhook_deliveries_pkey")
CASES: list[tuple[str, Callable[[UnitOfWork], Any], tuple[str, ...]]] = [
    ("chain head", lambda u: u.repo.chain_head(3, 5), ("ix_webhook_delivery_chain",)),
    ("earlier pending", lambda u: u.repo.has_earlier_pending(DELIVERY),
     ("ix_webhook_delivery_chain",)),
    ("due", lambda u: u.repo.claim_due_deliveries(NOW, NOW, NOW, 10),
     ("ix_webhook_delivery_due", "ix_webhook_delivery_chain")),
    ("log", lambda u: u.repo.deliveries(3, status=None, limit=20, offset=0),
     (*PENDING, "ix_webhook_delivery_done")),
    ("log delivered", lambda u: u.repo.deliveries(3, status="delivered", limit=20, offset=0),
     ("ix_webhook_delivery_done",)),
    ("log pending", lambda u: u.repo.deliveries(3, status="pending", limit=20, offset=0),
     PENDING),
    ("portal took", lambda u: u.repo.portal_took_before(DELIVERY),
     ("ix_webhook_delivery_taken",)),
    ("give up", lambda u: u.repo.dead_pending_of(3, NOW), PENDING),
    ("purge", lambda u: purge_delivered(u.session, NOW, 100), ("ix_webhook_delivery_age",)),
]


@pytest.mark.parametrize("name,call,indexes", CASES, ids=[c[0] for c in CASES])
def test_each_query_reads_its_index(url: str, name: str, call: Callable[[UnitOfWork], Any],
                                    indexes: tuple[str, ...]) -> None:
    """Every statement on the deliveries reads one of the case's indexes (or rows by id),
    never the whole table."""
    with sent(url) as (uow, statements):
        call(uow)
    assert statements
    found = plans(url, statements)
    for plan in found:
        assert not any(line.lstrip(" ->").startswith(("SCAN webhook_deliveries",
                                                      "Seq Scan on webhook_deliveries"))
                       and "USING" not in line for line in plan.splitlines()), plan
        assert any(index in plan for index in indexes + BY_ID), plan
    assert any(index in plan for plan in found for index in indexes), found
