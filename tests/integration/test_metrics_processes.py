"""One scrape sums every process of the deployment: `motcua serve --workers 2` (two
gunicorn worker processes, each answering requests) and `motcua worker` (a dramatiq
process firing a timer), all keeping their metrics under one MOTCUA_METRICS_DIR.

Needs Redis (MOTCUA_TEST_REDIS_URL); the database is the backend under test.
"""
from __future__ import annotations

import http.client
import time
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_world
from tests.integration.production import (
    children,
    get,
    service_env,
    start_server,
    start_worker,
    wait_for,
)
from tests.integration.test_timer_workers import _setup

pytestmark = pytest.mark.integration
WAIT_BOUND = 60.0  # seconds: an upper bound on the wait, not a measurement
REFUSED = ("motcua_http_requests_total", (("method", "GET"), ("route", "/api/v1/tasks"),
                                           ("status", "401")))


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        text = response.read().decode()
        assert response.status == 200, text
    finally:
        conn.close()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _refused_by(directory: Path, pid: int) -> float:
    """What one process's own file says of the refused requests."""
    files = [str(f) for f in directory.glob(f"counter_{pid}.db")]
    for metric in MultiProcessCollector.merge(files):
        for s in metric.samples:
            if (s.name, tuple(sorted(s.labels.items()))) == REFUSED:
                return float(s.value)
    return 0.0


def test_one_scrape_sums_the_api_processes_and_the_worker(
        db_url: str, redis_url: str, tmp_path: Path) -> None:
    from engine.jobs.broker import install, make_broker

    metrics_dir = tmp_path / "metrics"
    env = service_env(db_url, redis_url, metrics_dir=str(metrics_dir),
                      outbox_sweep_seconds="0.5")
    worker = start_worker(env, tmp_path / "worker.log")
    w = make_world(db_url, redis_url=redis_url)
    broker = make_broker(redis_url)
    install(w.ctx, broker)  # the test's API sends its delayed wake-ups through Redis
    server = None
    try:
        server, port = start_server(env, tmp_path / "server.log", workers=2)
        pids = children(server.pid)
        assert len(pids) == 2
        own = metrics_dir / f"serve-{server.pid}"
        assert (metrics_dir / f"worker-{worker.pid}").is_dir() and own.is_dir()

        _setup(w)  # a user task whose boundary timer fires after three working seconds
        r = w.client.post("/api/v1/dossiers", json={
            "process_key": "working_wait", "applicant": {"name": "Người thử"}},
            headers=w.headers("client"))
        assert r.status_code == 201, r.get_json()
        code = r.get_json()["code"]

        # Requests on fresh connections until each gunicorn process answered some.
        sent = 0
        deadline = time.monotonic() + WAIT_BOUND
        while not all(_refused_by(own, pid) for pid in pids):
            assert time.monotonic() < deadline, "one gunicorn process never answered"
            for _ in range(10):
                assert get(port, "/api/v1/tasks")[0] == 401
                sent += 1
        scraped = _scrape(port)
        assert scraped[REFUSED] == sent == sum(_refused_by(own, pid) for pid in pids)

        def finished() -> bool:
            d = w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("auditor"))
            return bool(d.get_json()["status"] == "finished")

        wait_for(finished, WAIT_BOUND, "the worker firing the timer")
        # The worker's counter (its directory is new: every count is the worker's), in the
        # API's answer; dossiers of earlier tests on this database may have fired too.
        scraped = _scrape(port)
        assert scraped[("motcua_timers_fired_total", ())] >= 1
        assert scraped[REFUSED] == sent
        stopping, server = server, None
        stopping.stop()
        assert not own.exists()  # gunicorn took its directory with it
        assert (metrics_dir / f"worker-{worker.pid}").is_dir()
    finally:
        if server is not None:
            server.stop()
        worker.stop()
        broker.flush_all()
        broker.close()
        w.ctx.db_engine.dispose()
