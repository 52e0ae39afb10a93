"""Webhooks with real worker processes on PostgreSQL and Redis: a worker killed (SIGKILL)
while a receiver is answering it, and a broker that cannot be reached while dossiers are
accepted. Nothing is lost either way: the deliveries are rows, and a worker's sweep sends
what no message carries any more."""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.jobs.broker import install, make_broker
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, started
from tests.conftest import World, make_world
from tests.integration.production import service_env, start_worker, wait_for
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.integration

LOCAL = {"webhook_allow_http": 1, "webhook_allow_networks": "127.0.0.0/8",
         "webhook_retry_seconds": 0.2, "webhook_timeout": 2.0}
BOUND = 90.0  # seconds for recovery on a loaded machine (a lease is 2 × 2 + 5 s)


@pytest.fixture
def pg(db_url: str, redis_url: str) -> str:
    if db_url.startswith("sqlite"):
        pytest.skip("worker processes share PostgreSQL and Redis")
    return db_url


def world_on(url: str, broker_url: str) -> World:
    w = make_world(url, **LOCAL)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    install(w.ctx, make_broker(broker_url))
    return w


def worker_env(url: str, redis_url: str) -> dict[str, str]:
    return service_env(url, redis_url, outbox_sweep_seconds="1",
                       **{k: str(v) for k, v in LOCAL.items()})


def subscribe(w: World, url: str) -> dict[str, Any]:
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("client"), json={
        "url": url, "event_types": ["dossier.status_changed", "task.created"]})
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def deliveries(w: World, sub: dict[str, Any]) -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries?limit=500",
                     headers=w.headers("client"))
    assert r.status_code == 200
    return list(r.get_json()["items"])


def all_delivered(w: World, sub: dict[str, Any], count: int) -> bool:
    items = deliveries(w, sub)
    return len(items) == count and all(d["status"] == "delivered" for d in items)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_a_worker_killed_while_sending(pg: str, redis_url: str, tmp_path: Path,
                                       receiver: Receiver) -> None:
    arrived, release = threading.Event(), threading.Event()

    def hold_first(_: Any) -> None:
        if not arrived.is_set():
            arrived.set()
            release.wait(60)

    receiver.hold = hold_first
    w = world_on(pg, redis_url)
    sub = subscribe(w, receiver.url)
    worker = start_worker(worker_env(pg, redis_url), tmp_path / "worker1.log")
    second = None
    try:
        code = started(w)["code"]
        assert arrived.wait(BOUND), "the worker never called the receiver"
        worker.kill_group(signal.SIGKILL)
        worker.popen.wait(timeout=30)
        release.set()  # the receiver took it (an effect); the worker never heard the answer
        second = start_worker(worker_env(pg, redis_url), tmp_path / "worker2.log")
        wait_for(lambda: all_delivered(w, sub, 2), BOUND, "both deliveries delivered")
    finally:
        release.set()
        worker.stop()
        if second is not None:
            second.stop()
    first = min(deliveries(w, sub), key=lambda d: d["id"])
    sent = [r.webhook_id for r in receiver.requests]
    assert sent.count(first["webhook_id"]) >= 2  # sent again, under the same webhook-id
    assert [e["type"] for e in receiver.events()] == ["dossier.status_changed",
                                                      "task.created"]
    assert all(e["data"]["dossier"] == code for e in receiver.events())
    assert all(r.signed_by(sub["secret"]) for r in receiver.requests)
    w.ctx.db_engine.dispose()


def test_intake_goes_on_while_the_broker_is_unreachable(pg: str, redis_url: str,
                                                        tmp_path: Path,
                                                        receiver: Receiver) -> None:
    w = world_on(pg, "redis://127.0.0.1:1/14")  # nothing listens there
    sub = subscribe(w, receiver.url)
    codes = [started(w)["code"] for _ in range(5)]
    items = deliveries(w, sub)
    assert len(items) == 10 and {d["status"] for d in items} == {"pending"}
    assert receiver.requests == []
    worker = start_worker(worker_env(pg, redis_url), tmp_path / "worker.log")
    try:
        wait_for(lambda: all_delivered(w, sub, 10), BOUND, "every delivery, once Redis is back")
    finally:
        worker.stop()
    for code in codes:
        assert [e["type"] for e in receiver.events() if e["data"]["dossier"] == code] == [
            "dossier.status_changed", "task.created"]
    assert len(receiver.effects) == 10
    w.ctx.db_engine.dispose()
