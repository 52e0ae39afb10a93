"""Timers through a real Redis broker and a dramatiq worker, and the sweep that rescues
a timer whose message was lost.

Needs MOTCUA_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0): skipped when unset, except
under CI=true, where a missing Redis is a failure. The Redis database is flushed first, so
point it at a database nothing else uses.
"""
from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "")
TIMER = Path(__file__).resolve().parents[1] / "api" / "data" / "timer_pt1s.bpmn"
WAIT_BOUND = 15.0  # seconds: an upper bound on waiting for the worker, not a measurement

pytestmark = pytest.mark.integration




@pytest.fixture
def redis_broker(redis_url: str) -> Iterator[Any]:
    from engine.jobs.broker import make_broker

    broker = make_broker(redis_url)
    yield broker
    broker.flush_all()
    broker.close()


def _deploy(world: Any, client: Any = None) -> None:
    r = (client or world.client).post(
        "/api/v1/process-definitions",
        data={"bpmn": (io.BytesIO(TIMER.read_bytes()), TIMER.name)},
        headers=world.headers("designer"), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()


def _start(world: Any, client: Any = None) -> dict[str, Any]:
    r = (client or world.client).post(
        "/api/v1/dossiers", json={"process_key": "timer_pt1s", "applicant": {"name": "Đỗ D"}},
        headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "in_process"
    assert body["next_wakeup"], body
    return body


def _status(world: Any, code: str, client: Any = None) -> dict[str, Any]:
    r = (client or world.client).get(f"/api/v1/dossiers/{code}",
                                     headers=world.headers("auditor"))
    assert r.status_code == 200
    return r.get_json()


def test_worker_moves_the_dossier_past_its_timer(world: Any, redis_broker: Any) -> None:
    import dramatiq

    from engine.jobs.broker import install

    install(world.ctx, redis_broker)
    _deploy(world)
    worker = dramatiq.Worker(redis_broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        code = _start(world)["code"]
        deadline = time.monotonic() + WAIT_BOUND
        d = _status(world, code)
        while d["status"] == "in_process" and time.monotonic() < deadline:
            time.sleep(0.2)
            d = _status(world, code)
    finally:
        worker.stop()
    assert d["status"] == "finished", d
    assert d["end_event"] == "done"
    assert d["next_wakeup"] is None
    events = world.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                              headers=world.headers("auditor")).get_json()["items"]
    assert "wait" in {e["element_id"] for e in events if e["kind"] == "step.completed"}
    assert events[-1]["kind"] == "dossier.finished"


def _lose_the_wakeup(ctx: Any, broker: Any, db_url: str, code: str) -> None:
    """The wake-up message is lost: gone from Redis, and no outbox row is left to resend."""
    from sqlalchemy import text

    broker.flush_all()
    with ctx.db_engine.begin() as conn:
        dossier_id = conn.execute(text("SELECT id FROM dossiers WHERE code = :c"),
                                  {"c": code}).scalar_one()
        if db_url.startswith("sqlite"):
            conn.execute(text("DELETE FROM outbox WHERE json_extract(payload, '$.dossier_id') = :i"),
                         {"i": dossier_id})
        else:
            conn.execute(text("DELETE FROM outbox WHERE (payload->>'dossier_id')::int = :i"),
                         {"i": dossier_id})


@pytest.mark.parametrize("inline", [False, True], ids=["through-worker", "inline"])
def test_sweep_fires_a_due_timer_whose_message_was_lost(world: Any, db_url: str,
                                                        redis_broker: Any, inline: bool) -> None:
    import dramatiq

    from api.app import create_app
    from engine.clock import ManualClock
    from engine.jobs.broker import install
    from engine.jobs.relay import sweep
    from engine.settings import Settings

    # An injected clock: the timer comes due when the test says so, without waiting.
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    app = create_app(Settings(database_url=db_url, redis_url=REDIS_URL), clock=clock)
    ctx = app.extensions["motcua"]
    install(ctx, redis_broker)
    client = app.test_client()
    worker = None
    try:
        _deploy(world, client)
        d = _start(world, client)
        code = d["code"]
        assert datetime.fromisoformat(d["next_wakeup"]) == clock.now() + timedelta(seconds=1)
        _lose_the_wakeup(ctx, redis_broker, db_url, code)

        assert sweep(ctx, inline=inline) == 0  # not due yet: nothing to do
        assert _status(world, code, client)["status"] == "in_process"

        clock.advance(timedelta(seconds=2))
        assert sweep(ctx, inline=inline) == 1
        if not inline:
            # The sweep re-enqueued the wake-up; a worker of this "process" runs it.
            worker = dramatiq.Worker(redis_broker, worker_threads=1, worker_timeout=100)
            worker.start()
        deadline = time.monotonic() + WAIT_BOUND
        after = _status(world, code, client)
        while after["status"] == "in_process" and time.monotonic() < deadline:
            time.sleep(0.2)
            after = _status(world, code, client)
        assert after["status"] == "finished", after
        assert after["end_event"] == "done"
        assert after["next_wakeup"] is None
        assert sweep(ctx, inline=True) == 0  # nothing is due any more
    finally:
        if worker is not None:
            worker.stop()
        ctx.db_engine.dispose()
