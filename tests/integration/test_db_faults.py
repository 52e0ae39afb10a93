"""Database faults on real PostgreSQL: backends terminated (`pg_terminate_backend`) under a
command and under load. A connection lost before COMMIT runs the command once more on a
new one; lost while COMMIT was on its way, the answer is 503 commit-unknown, and a retry
with the same Idempotency-Key is safe. Never a 500."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import sessionmaker

from engine.errors import DatabaseUnavailable
from engine.store.uow import UnitOfWork
from tests.api.helpers import (
    API_DATA,
    TWO_STEPS,
    assert_problem,
    intake,
    officer_for,
    post_bpmn,
    step,
    two_steps_forms,
)
from tests.conftest import make_world
from tests.integration.chaos import PROCESS, office
from tests.integration.production import free_port, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(world: Any) -> Any:
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("terminating backends is PostgreSQL's")
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    return world


def _admin(url: str | URL) -> psycopg.Connection[Any]:
    """An autocommit connection of our own to the database at `url`."""
    u = make_url(url) if isinstance(url, str) else url
    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username,
                           dbname=u.database, autocommit=True)


def _terminate(url: Any, pid: int) -> None:
    """End the backend `pid` and wait (up to 5 s) until it is gone."""
    with _admin(url) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _receipt(world: Any) -> str:
    r = intake(world)
    assert r.status_code == 201, r.get_json()
    return str(step(r.get_json(), "receive")["task_id"])


def _completions(world: Any, task_id: str) -> int:
    with world.ctx.db_engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM history_events WHERE kind = 'task.completed' "
            "AND task_id = :t"), {"t": task_id}).scalar_one())


def test_a_connection_lost_before_commit_runs_the_command_again(
        pg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend is terminated between the locking read and the writes (the dossier
    locked, the workflow stepped): nothing was committed, the command runs once more."""
    task_id = _receipt(pg)
    who = officer_for(pg, task_id)
    from engine.store import pg_hot
    real = pg_hot.exchange
    sent: list[bytes] = []

    def terminating(conn: Any, steps: Any) -> Any:
        sent.append(steps[-1].sql.split(b" ", 1)[0])
        if steps[-1].sql == b"COMMIT" and sent.count(b"COMMIT") == 1:
            _terminate(pg.ctx.db_engine.url, conn.info.backend_pid)
        return real(conn, steps)

    monkeypatch.setattr(pg_hot, "exchange", terminating)
    r = pg.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"copies": 1}},
                       headers={**pg.headers(who), "Idempotency-Key": "once-more"})
    assert r.status_code == 200, r.get_json()
    assert sent.count(b"COMMIT") == 2, sent  # the command ran twice, committed once
    assert _completions(pg, task_id) == 1


def test_a_connection_lost_while_committing_answers_503_and_a_retry_is_safe(
        world: Any) -> None:
    """COMMIT is sent on a connection whose backend is gone: the command cannot know
    whether it was applied. 503 commit-unknown; the retry with the same Idempotency-Key
    starts the dossier once."""
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("terminating backends is PostgreSQL's")
    # a timer: intake writes an outbox row, so it commits through the ORM session
    assert world.deploy(API_DATA / "timer_pt1s.bpmn", []).status_code == 201
    engine = world.ctx.db_engine
    ended: list[int] = []

    def before_commit(conn: Any) -> None:
        driver = conn.connection.driver_connection
        if not ended and not driver.autocommit:  # a read-only unit's COMMIT sends nothing
            pid = driver.info.backend_pid
            _terminate(engine.url, pid)
            ended.append(pid)

    event.listen(engine, "commit", before_commit)
    try:
        key = {"Idempotency-Key": f"lost-commit-{uuid.uuid4()}"}
        r = intake(world, "timer_pt1s", headers=key)
        body = assert_problem(r, 503, "commit-unknown")
        assert r.headers["Retry-After"] == "1"
        assert "Idempotency-Key" in body["detail"]
        again = intake(world, "timer_pt1s", headers=key)
        assert again.status_code in (200, 201), again.get_json()
        third = intake(world, "timer_pt1s", headers=key)
        assert third.status_code == 200 and third.get_json()["code"] == again.get_json()["code"]
    finally:
        event.remove(engine, "commit", before_commit)
    assert ended
    total = world.client.get("/api/v1/dossiers", headers=world.headers("auditor"))
    assert total.get_json()["total"] == 1


@pytest.fixture
def slow_commits(pg: Any) -> Iterator[None]:
    """A deferred trigger that makes COMMIT of a completion stored under a key starting
    with `slow-commit` take a while, so that its backend can be ended during COMMIT."""
    with pg.ctx.db_engine.begin() as conn:
        conn.execute(text(
            "CREATE OR REPLACE FUNCTION motcua_test_slow() RETURNS trigger AS $$ "
            "BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$ LANGUAGE plpgsql"))
        conn.execute(text(
            "CREATE CONSTRAINT TRIGGER motcua_test_slow AFTER INSERT ON completion_keys "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "WHEN (NEW.key LIKE 'slow-commit%') EXECUTE FUNCTION motcua_test_slow()"))
    yield
    with pg.ctx.db_engine.begin() as conn:
        conn.execute(text("DROP TRIGGER motcua_test_slow ON completion_keys"))
        conn.execute(text("DROP FUNCTION motcua_test_slow()"))


def test_a_completion_whose_commit_is_cut_answers_503_and_its_retry_applies_it_once(
        pg: Any, slow_commits: None) -> None:
    task_id = _receipt(pg)
    who = officer_for(pg, task_id)
    url = pg.ctx.db_engine.url

    def cut() -> None:  # the backend busy with the COMMIT is ended
        with _admin(url) as admin:
            def busy() -> Any:
                return admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event = 'PgSleep'").fetchone()
            found = wait_for(busy, 30, "a COMMIT running its deferred trigger", 0.05)
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (found[0],))

    cutter = threading.Thread(target=cut)
    cutter.start()
    key = {"Idempotency-Key": f"slow-commit-{uuid.uuid4()}"}
    headers = {**pg.headers(who), **key}
    r = pg.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"copies": 1}},
                       headers=headers)
    cutter.join(timeout=60)
    assert_problem(r, 503, "commit-unknown")
    assert r.headers["Retry-After"] == "1"
    assert _completions(pg, task_id) == 0  # cut before it was durable, this time
    # the retry goes through (slowly: the trigger again) and applies it once
    again = pg.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"copies": 1}},
                           headers=headers)
    assert again.status_code == 200, again.get_json()
    third = pg.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"copies": 1}},
                           headers=headers)
    assert third.status_code == 200 and third.get_json() == again.get_json()
    assert _completions(pg, task_id) == 1


def test_an_unreachable_database_answers_503_with_retry_after(world: Any) -> None:
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a file, not a server")
    url = world.ctx.db_engine.url
    nowhere = url.set(port=free_port())
    down = make_world(url.render_as_string(hide_password=False))  # principals made while up
    try:
        from engine.store.db import make_engine, make_session_factory
        factory = make_session_factory(
            make_engine(nowhere.render_as_string(hide_password=False)))
        down.ctx.uow = lambda readonly=False: UnitOfWork(factory, readonly=readonly)
        down.ctx.callers.clear()
        r = down.client.get("/api/v1/tasks", headers=down.headers("officer"))
        assert_problem(r, 503, "database-unavailable")
        assert r.headers["Retry-After"] == "1"
    finally:
        down.ctx.db_engine.dispose()


def test_no_connection_free_in_time_is_database_unavailable(world: Any) -> None:
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's pool does not run out")
    engine = create_engine(world.ctx.db_engine.url, pool_size=1, max_overflow=0,
                           pool_timeout=0.2)
    try:
        with engine.connect():  # the one connection, held
            with pytest.raises(DatabaseUnavailable) as raised:
                with UnitOfWork(sessionmaker(engine), readonly=True) as uow:
                    uow.session.execute(text("SELECT 1"))
        assert raised.value.retry is False  # waiting again at once would not help
    finally:
        engine.dispose()


# -- under load, over HTTP, on the production shape ------------------------------------

CLIENTS = 4
TASKS_EACH = 6
INTAKES = 2
TERMINATIONS = 8


def test_backends_terminated_under_load(redis_url: str, tmp_path: Path) -> None:
    """Officers complete tasks and a portal starts dossiers while every backend of the
    database is terminated, again and again. Each client sends its request again, with
    the same Idempotency-Key, when answered 503. No answer is a 500; each completion is
    applied once; no dossier is lost; every history chain holds."""
    with office(redis_url, tmp_path) as o:
        codes = o.intake(o.client("client"), CLIENTS * TASKS_EACH)
        wait_for(lambda: o.receipts().keys() >= set(codes), 60,
                 "every dossier waiting at its receipt")
        receipts = o.receipts()
        shares = [[receipts[c] for c in codes[n::CLIENTS]] for n in range(CLIENTS)]
        applied: list[str] = []
        accepted: list[str] = []
        unexpected: list[tuple[str, int, Any]] = []
        unavailable = [0]
        lock = threading.Lock()
        stop = threading.Event()

        def send(client: Any, method: str, path: str, body: Any) -> tuple[int, Any]:
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            for _ in range(20):
                status, out, _retried = client.request(method, path, body, headers)
                if status != 503:
                    return status, out
                with lock:
                    unavailable[0] += 1
                assert out["code"] in ("database-unavailable", "commit-unknown"), out
                time.sleep(0.2)
            return status, out

        def officer(tasks: list[str]) -> None:
            clerk = o.client("clerk")
            for task in tasks:
                status, out = send(clerk, "POST", f"/api/v1/tasks/{task}/complete",
                                   {"data": {}})
                with lock:
                    (applied.append(task) if status == 200
                     else unexpected.append((task, status, out)))

        def portal() -> None:
            client = o.client("client")
            n = 0
            while not stop.is_set():
                n += 1
                status, out = send(client, "POST", "/api/v1/dossiers",
                                   {"process_key": PROCESS, "applicant": {"name": f"P {n}"}})
                with lock:
                    (accepted.append(out["code"]) if status in (200, 201)
                     else unexpected.append(("intake", status, out)))

        threads = [threading.Thread(target=officer, args=(s,)) for s in shares]
        threads += [threading.Thread(target=portal) for _ in range(INTAKES)]
        for t in threads:
            t.start()
        ended = 0
        try:
            with _admin(o.database) as admin:
                for _ in range(TERMINATIONS):
                    time.sleep(0.4)
                    ended += len(admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend'").fetchall())
        finally:
            for t in threads[:CLIENTS]:
                t.join(timeout=120)
            stop.set()
            for t in threads[CLIENTS:]:
                t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a client is still waiting"
        assert ended >= TERMINATIONS
        assert not unexpected, unexpected
        assert sorted(applied) == sorted(t for s in shares for t in s)
        statuses = {s for _, _, s in o.traffic.answers}
        assert statuses <= {200, 201, 503}, statuses
        o.world.ctx.db_engine.dispose()  # the test's own connections were ended too

        def settled() -> bool:  # finished after the wait, or waiting at the receipt
            with _admin(o.database) as admin:
                return not admin.execute(
                    "SELECT 1 FROM dossiers WHERE province = %s AND next_wakeup IS NOT NULL",
                    (o.world.province,)).fetchone()

        wait_for(settled, 120, "every due timer fired")
        o.check(allowed=frozenset({503}), accepted=set(codes) | set(accepted),
                applied=applied)
        print(f"{len(o.traffic.answers)} answers, {unavailable[0]} of them 503, "
              f"{ended} backends terminated")
