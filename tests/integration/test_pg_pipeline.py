"""PostgreSQL's hot path in two round trips: BEGIN with the locking read, the writes with
COMMIT, as prepared statements the connection keeps (engine.store.pg_pipeline)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from engine.store import pg_pipeline
from engine.store.pg_pipeline import HotConnection, Step, exchange
from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    complete,
    intake,
    officer_for,
    post_bpmn,
    step,
    two_steps_forms,
)


@pytest.fixture
def pg(world: Any) -> Any:
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("the pipeline is PostgreSQL's")
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    return world


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[bytes]]]:
    """The statements of each pipeline sent, in order."""
    sent: list[list[bytes]] = []
    real = pg_pipeline.exchange

    def spy(conn: Any, steps: Any) -> Any:
        sent.append([s.sql.split(b" ", 1)[0] for s in steps])
        return real(conn, steps)

    monkeypatch.setattr(pg_pipeline, "exchange", spy)
    monkeypatch.setattr("engine.store.pg_hot.exchange", spy)
    yield sent


def _receive(world: Any) -> str:
    r = intake(world)
    assert r.status_code == 201, r.get_json()
    return str(step(r.get_json(), "receive")["task_id"])


def _server_statements(world: Any) -> list[str]:
    with world.ctx.db_engine.connect() as conn:  # the pool hands back the last connection
        names = conn.execute(text("SELECT name FROM pg_prepared_statements")).scalars().all()
        conn.commit()
    return [n for n in names if n.startswith("motcua_")]


def test_a_completion_takes_two_round_trips(pg: Any, round_trips: list[list[bytes]]) -> None:
    task_id = _receive(pg)
    who = officer_for(pg, task_id)
    assert pg.client.get("/api/v1/tasks", headers=pg.headers(who)).status_code == 200
    round_trips.clear()  # the officer's token is known now: nothing but the command runs
    calls = {"execute": 0, "commit": 0}

    def counted(name: str) -> Any:
        real = getattr(psycopg.Connection, name)

        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(self, *args, **kwargs)
        return run

    with pytest.MonkeyPatch.context() as mp:
        for name in calls:
            mp.setattr(psycopg.Connection, name, counted(name))
        mp.setattr(psycopg.Cursor, "execute", lambda *a, **k: pytest.fail("a cursor ran"))
        r = complete(pg, task_id, {"copies": 1}, who=who)
    assert r.status_code == 200, r.get_json()
    # BEGIN, the dossier's lock, its open tasks read once the lock is granted; the writes.
    assert round_trips == [[b"BEGIN", b"SELECT", b"SELECT"], [b"WITH", b"COMMIT"]]
    assert calls == {"execute": 0, "commit": 0}


def test_rows_are_loaded_with_the_engines_adapters(pg: Any) -> None:
    """The hot path reads JSON with the store's codec, as SQLAlchemy's reads do."""
    assert complete(pg, _receive(pg), {"copies": 1}).status_code == 200
    with pg.ctx.db_engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver.hot_transformer is not None
        # the connection's own adapters (SQLAlchemy's map, with the store's JSON codec),
        # not the global ones psycopg starts a connection with
        assert driver.hot_transformer.adapters is driver.adapters


def test_statements_survive_psycopg_deallocating_its_own(pg: Any) -> None:
    """psycopg sends DEALLOCATE ALL on a ROLLBACK when it has prepared statements of its
    own; the hot path's must then be prepared again, not assumed."""
    first = _receive(pg)
    assert complete(pg, first, {"copies": 1}).status_code == 200
    assert _server_statements(pg)
    with pg.ctx.db_engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, HotConnection) and driver.hot_prepared
        for _i in range(7):  # psycopg prepares a statement on its 6th run
            conn.execute(text("SELECT 1 WHERE 1 = :one"), {"one": 1})
        conn.rollback()  # psycopg: ROLLBACK, then DEALLOCATE ALL
    assert _server_statements(pg) == []
    second = _receive(pg)
    r = complete(pg, second, {"copies": 1})
    assert r.status_code == 200, r.get_json()


def test_statements_are_not_prepared_twice_after_a_rollback(pg: Any) -> None:
    """A failed command rolls back without psycopg deallocating anything: the hot path's
    statements are dropped and prepared again, so no name is ever prepared twice."""
    first = _receive(pg)
    assert complete(pg, first, {"copies": 1}).status_code == 200
    before = _server_statements(pg)
    assert before
    r = complete(pg, first, {"copies": 1})  # already done: 409, its transaction rolled back
    assert_problem(r, 409, "task-already-completed")
    assert _server_statements(pg) == []  # dropped with the rollback, by the connection itself
    second = _receive(pg)
    r = complete(pg, second, {"copies": 1})  # a name prepared twice would fail here
    assert r.status_code == 200, r.get_json()
    assert sorted(_server_statements(pg)) == sorted(before)


def _hot_connection(world: Any) -> Any:
    raw = world.ctx.db_engine.raw_connection()
    assert isinstance(raw.driver_connection, HotConnection)
    return raw


def test_an_error_is_raised_once_the_pipeline_is_read(pg: Any) -> None:
    raw = _hot_connection(pg)
    try:
        conn = raw.driver_connection
        with pytest.raises(psycopg.errors.DivisionByZero):
            exchange(conn, [Step(b"BEGIN"), Step(b"SELECT 1 / $1::int", (0,), prepare=True),
                            Step(b"SELECT 2")])
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        conn.rollback()
        (result,) = exchange(conn, [Step(b"SELECT $1::int + 1", (41,), prepare=True)])
        assert pg_pipeline.rows(conn, result) == [(42,)]
    finally:
        raw.close()


def test_a_statement_that_fails_to_prepare_is_not_taken_as_prepared(pg: Any) -> None:
    raw = _hot_connection(pg)
    try:
        conn = raw.driver_connection
        bad = b"SELECT no_such_column FROM dossiers WHERE id = $1"
        for _i in range(2):
            with pytest.raises(psycopg.errors.UndefinedColumn):
                exchange(conn, [Step(bad, (1,), prepare=True)])
        assert pg_pipeline._NAMES[bad] not in conn.hot_prepared
        # nor one skipped because a statement before it failed
        late = b"SELECT $1::int * 2"
        with pytest.raises(psycopg.errors.DivisionByZero):
            exchange(conn, [Step(b"SELECT 1 / 0"), Step(late, (1,), prepare=True)])
        (result,) = exchange(conn, [Step(late, (21,), prepare=True)])
        assert pg_pipeline.rows(conn, result) == [(42,)]
    finally:
        raw.close()


def test_a_command_whose_connection_the_server_dropped_runs_again(pg: Any) -> None:
    first, second = _receive(pg), _receive(pg)
    who = officer_for(pg, first)
    with pg.ctx.db_engine.connect() as conn:  # the connection the next command gets
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.commit()
    url = pg.ctx.db_engine.url
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                         dbname=url.database, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # The connection died before the command sent anything: it runs again on a new one.
    for task_id in (first, second):
        r = complete(pg, task_id, {"copies": 1}, who=who)
        assert r.status_code == 200, r.get_json()


def test_a_large_state_goes_through_the_pipeline(pg: Any) -> None:
    """Writes far larger than a socket buffer: the pipeline flushes them in parts."""
    note = "dữ liệu " * 60_000  # ~540 KB of UTF-8 in the dossier data, hence in the state
    r = intake(pg, data={"note": note})
    assert r.status_code == 201, r.get_json()
    r = complete(pg, step(r.get_json(), "receive")["task_id"], {"copies": 1})
    assert r.status_code == 200, r.get_json()
    with pg.ctx.db_engine.connect() as conn:
        stored = conn.execute(text("SELECT length(state::text) FROM dossiers WHERE code = :c"),
                              {"c": r.get_json()["code"]}).scalar_one()
    assert stored > len(note)


def test_without_prepared_statements_the_round_trips_are_the_same(
        pg: Any, round_trips: list[list[bytes]]) -> None:
    """MOTCUA_DB_PREPARE=0, for a pooler that moves transactions between server
    connections: nothing is prepared, by psycopg or by the hot path."""
    from dataclasses import replace

    from engine.services.desk.tasks import complete_task
    from engine.services.flow.intake import start_dossier
    from engine.services.org.auth import authenticate
    from engine.wiring import build_context

    ctx = build_context(replace(pg.ctx.settings, db_prepare=0))
    try:
        pg.principal("reception", "officer", unit=pg.unit, position="reception")
        client, officer = (authenticate(ctx, pg.tokens[who]) for who in ("client", "reception"))
        for _i in range(7):  # past psycopg's threshold of five runs
            view, _ = start_dossier(ctx, client, process_key="two_steps",
                                    applicant={"name": "A"}, data={})
            task = next(t for t in view.open_tasks if t.element_id == "receive")
            round_trips.clear()
            complete_task(ctx, officer, task.id, {"copies": 1})
            assert round_trips == [[b"BEGIN", b"SELECT", b"SELECT"], [b"WITH", b"COMMIT"]]
        with ctx.db_engine.connect() as conn:
            assert not isinstance(conn.connection.driver_connection, HotConnection)
            prepared = conn.execute(text("SELECT name FROM pg_prepared_statements")).all()
        assert prepared == []
    finally:
        ctx.db_engine.dispose()


def test_a_connection_keeps_a_bounded_number_of_statements(
        pg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _hot_connection(pg)
    try:
        conn = raw.driver_connection
        before = set(conn.hot_prepared)
        monkeypatch.setattr(pg_pipeline, "MAX_PREPARED", len(before) + 2)
        for n in range(4):  # four statements: two prepared, two run unnamed, all answer
            sql = b"SELECT $1::int + %d" % n
            for _i in range(2):
                (result,) = exchange(conn, [Step(sql, (1,), prepare=True)])
                assert pg_pipeline.rows(conn, result) == [(1 + n,)]
        assert conn.hot_prepared - before == {pg_pipeline._NAMES[b"SELECT $1::int + %d" % n]
                                              for n in range(2)}
    finally:
        raw.close()
