"""A working-time boundary timer fires exactly once in effect with two dramatiq worker
processes; the user task it interrupts is cancelled.

Both workers also run the sweeper every half second, so wake messages are delivered more
than once on purpose: the row lock and the "nothing due" check must absorb them.
Needs Redis (MOTCUA_TEST_REDIS_URL); the database is the backend under test, shared by the
test process (the API) and the two worker processes.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World, make_world
from tests.integration.production import Process, await_ready, service_env, start_worker

BPMN = Path(__file__).parent / "data" / "working_wait.bpmn"
DOSSIERS = 6
WAIT_BOUND = 60.0  # seconds: an upper bound on the wait, not a measurement
ALL_DAY = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}




@pytest.fixture
def workers(db_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[Process]]:
    env = service_env(db_url, redis_url, outbox_sweep_seconds="0.5")
    procs: list[Process] = []
    try:
        for n in range(2):
            procs.append(start_worker(env, tmp_path / f"worker{n}.log", wait=False))
        for p in procs:
            await_ready(p)
        yield procs
    finally:
        for p in procs:
            p.stop()


def _setup(w: World) -> None:
    cal = f"allday-{w.province.lower()}"
    r = w.client.put(f"/api/v1/calendars/{cal}", json={
        "name": "Open all week", "use_national_holidays": False, "weekly": ALL_DAY,
        "overrides": []}, headers=w.headers("designer"))
    assert r.status_code == 200, r.get_json()
    assert w.deploy(BPMN, []).status_code == 201
    r = w.client.put("/api/v1/procedures/wait", json={
        "name": "Wait", "process_key": "working_wait", "rules": [{
            "effective_from": "2020-01-01", "calendar": cal,
            "limits": {"default": {"value": 1, "unit": "working_days"}}}]},
        headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()


def test_working_timer_fires_once_with_two_worker_processes(
        db_url: str, redis_url: str, workers: list[Any]) -> None:
    from engine.jobs.broker import install, make_broker

    w = make_world(db_url, redis_url=redis_url)
    broker = make_broker(redis_url)
    install(w.ctx, broker)  # the API process sends its delayed wake-ups through Redis
    try:
        _setup(w)
        codes = []
        for n in range(DOSSIERS):
            r = w.client.post("/api/v1/dossiers", json={
                "process_key": "working_wait", "applicant": {"name": f"Người {n}"}},
                headers=w.headers("client"))
            assert r.status_code == 201, r.get_json()
            assert r.get_json()["calendar_id"].startswith("allday-")
            codes.append(r.get_json()["code"])
        deadline = time.monotonic() + WAIT_BOUND
        pending = set(codes)
        while pending and time.monotonic() < deadline:
            assert all(p.alive() for p in workers), "a worker process died"
            time.sleep(0.3)
            for code in list(pending):
                d = w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("auditor"))
                if d.get_json()["status"] != "in_process":
                    pending.discard(code)
        assert not pending, f"still waiting after {WAIT_BOUND} s: {sorted(pending)}"
        for code in codes:
            d = w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("auditor")).get_json()
            assert d["status"] == "finished" and d["end_event"] == "done", d
            assert d["data"]["fired"] == 1
            events = w.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                                  headers=w.headers("auditor")).get_json()["items"]
            ran = [e["element_id"] for e in events if e["kind"] == "step.completed"]
            assert ran.count("wait_working") == 1 and ran.count("count") == 1, ran
            assert [e["kind"] for e in events].count("dossier.finished") == 1
            assert d["current_steps"] == []
        inbox = w.client.get("/api/v1/tasks?status=cancelled", headers=w.headers("auditor"))
        assert inbox.get_json()["total"] == DOSSIERS  # every interrupted appraisal was cancelled
    finally:
        broker.flush_all()
        broker.close()
        w.ctx.db_engine.dispose()
