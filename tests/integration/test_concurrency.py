"""Concurrent requests on one database, from two app instances (two "processes").

Every test runs on SQLite and on PostgreSQL. Threads are lined up with a barrier so that
their requests really overlap; nothing here measures time.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.history import GENESIS, event_hash
from tests.api.helpers import officer_for

DATA = Path(__file__).resolve().parents[1] / "unit" / "data"
TWO_STEPS = DATA / "two_steps.bpmn"
FORMS = [DATA / "receive.json", DATA / "appraise.json"]

pytestmark = pytest.mark.integration


def _app(db_url: str, clock: Any = None) -> Any:
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    app = create_app(Settings(database_url=db_url), clock=clock)
    install(app.extensions["motcua"], make_broker(""))
    return app


@pytest.fixture
def second_app(db_url: str) -> Iterator[Any]:
    """Another app on the same database, as a second server process would be."""
    app = _app(db_url)
    yield app
    app.extensions["motcua"].db_engine.dispose()


@pytest.fixture
def deployed(world: Any) -> Any:
    r = world.deploy(TWO_STEPS, FORMS)
    assert r.status_code == 201, r.get_json()
    return world


def _run_together(n: int, apps: list[Any], call: Callable[[Any, int], Any]) -> list[Any]:
    """Run `call(client, i)` in `n` threads released at once, alternating between `apps`."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def work(i: int) -> None:
        client = apps[i % len(apps)].test_client()
        try:
            barrier.wait(timeout=60)
            resp = call(client, i)
            results[i] = (resp.status_code, resp.get_json())
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's index
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a request never returned"
    assert not errors, errors
    return results


def _start(world: Any, **extra: Any) -> dict[str, Any]:
    r = world.client.post("/api/v1/dossiers", json={
        "process_key": "two_steps", "applicant": {"name": "Trần Văn B"}, **extra},
        headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _dossier_count(world: Any) -> int:
    r = world.client.get("/api/v1/dossiers?limit=500", headers=world.headers("auditor"))
    return int(r.get_json()["total"])


def test_twenty_officers_complete_the_same_task_once(deployed: Any, second_app: Any) -> None:
    world = deployed
    d = _start(world)
    task_id = d["current_steps"][0]["task_id"]
    headers = world.headers(officer_for(world, task_id))

    results = _run_together(20, [world.app, second_app], lambda c, i: c.post(
        f"/api/v1/tasks/{task_id}/complete", json={"data": {"copies": 1 + i % 5}},
        headers=headers))

    statuses = Counter(status for status, _ in results)
    assert statuses[200] == 1, results
    assert statuses[409] == 19, results
    assert set(statuses) == {200, 409}, results
    assert {body["code"] for status, body in results if status == 409} <= {
        "task-already-completed", "concurrent-update"}

    winner = next(body for status, body in results if status == 200)
    after = world.client.get(f"/api/v1/dossiers/{d['code']}", headers=world.headers("auditor"))
    assert after.get_json()["data"]["copies"] == winner["data"]["copies"]
    assert [s["element_id"] for s in after.get_json()["current_steps"]] == ["appraise"]
    events = world.client.get(f"/api/v1/dossiers/{d['code']}/history?limit=1000",
                              headers=world.headers("auditor")).get_json()["items"]
    assert [e["kind"] for e in events].count("task.completed") == 1
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_twenty_retries_with_one_idempotency_key_make_one_dossier(
        deployed: Any, second_app: Any) -> None:
    world = deployed
    headers = {**world.headers("client"), "Idempotency-Key": "retry-storm-1"}
    body = {"process_key": "two_steps", "applicant": {"name": "Lê Thị C"}, "data": {"x": 1}}

    results = _run_together(20, [world.app, second_app],
                            lambda c, i: c.post("/api/v1/dossiers", json=body, headers=headers))

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 201}, results
    assert statuses[201] == 1, results
    codes = {b["code"] for _, b in results}
    assert len(codes) == 1, codes
    assert _dossier_count(world) == 1
    assert next(iter(codes)).endswith("-0001")
    # A later intake at the unit takes the next number: the losers left no gap.
    assert _start(world)["code"].endswith("-0002")


def test_fifty_concurrent_intakes_get_gapless_codes(deployed: Any, db_url: str) -> None:
    from engine.clock import ManualClock

    world = deployed
    # Both apps read one fixed instant, so every code falls on the same local day.
    clock = ManualClock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    apps = [_app(db_url, clock), _app(db_url, clock)]
    headers = world.headers("client")
    try:
        results = _run_together(50, apps, lambda c, i: c.post("/api/v1/dossiers", json={
            "process_key": "two_steps", "applicant": {"name": f"Người nộp {i}"}},
            headers=headers))
    finally:
        for app in apps:
            app.extensions["motcua"].db_engine.dispose()

    assert all(status == 201 for status, _ in results), [r for r in results if r[0] != 201]
    codes = [body["code"] for _, body in results]
    assert len(set(codes)) == 50
    pattern = re.compile(rf"^{re.escape(world.unit)}-260302-(\d{{4}})$")
    numbers = sorted(int(pattern.match(c).group(1)) for c in codes)  # type: ignore[union-attr]
    assert numbers == list(range(1, 51))
    assert _dossier_count(world) == 50


def test_a_fresh_app_continues_a_half_done_dossier(deployed: Any, db_url: str) -> None:
    world = deployed
    d = _start(world)
    receive = d["current_steps"][0]["task_id"]
    r = world.client.post(f"/api/v1/tasks/{receive}/complete",
                          json={"data": {"copies": 3}},
                          headers=world.headers(officer_for(world, receive)))
    assert r.status_code == 200
    appraise = r.get_json()["current_steps"][0]["task_id"]
    specialist = world.headers(officer_for(world, appraise))
    world.ctx.db_engine.dispose()  # the first "process" goes away

    app = _app(db_url)
    try:
        client = app.test_client()
        r = client.get(f"/api/v1/dossiers/{d['code']}", headers=world.headers("auditor"))
        assert r.status_code == 200
        assert r.get_json()["current_steps"][0]["task_id"] == appraise
        assert r.get_json()["data"]["copies"] == 3
        r = client.post(f"/api/v1/tasks/{appraise}/complete",
                        json={"data": {"decision": "approve"}}, headers=specialist)
        assert r.status_code == 200, r.get_json()
        done = r.get_json()
        assert done["status"] == "finished"
        assert done["end_event"] == "approved"
        assert done["data"]["fee"] == 300000
        events = client.get(f"/api/v1/dossiers/{d['code']}/history?limit=1000",
                            headers=world.headers("auditor")).get_json()["items"]
    finally:
        app.extensions["motcua"].db_engine.dispose()

    prev = GENESIS
    for e in events:
        assert e["prev_hash"] == prev
        assert e["hash"] == event_hash(e["prev_hash"], e["seq"], datetime.fromisoformat(e["at"]),
                                       e["kind"], e["actor_id"], e["element_id"], e["task_id"],
                                       e["payload"])
        prev = e["hash"]
    assert events[-1]["kind"] == "dossier.finished"
