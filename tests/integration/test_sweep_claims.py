"""A sweep queues each due dossier once, not again on every pass of every worker, until
REQUEUE_AFTER has passed without the wake arriving; the wake clears the mark."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.jobs.relay import REQUEUE_AFTER, sweep
from engine.services.flow.dossiers import wake
from tests.conftest import make_world

TIMER = Path(__file__).resolve().parents[1] / "api" / "data" / "timer_pt1s.bpmn"


def test_due_dossier_is_queued_once_until_requeue(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    w = make_world(db_url, clock=clock)
    sent: list[tuple[str, dict[str, Any], float]] = []
    w.ctx.send_job = lambda actor, payload, delay: sent.append((actor, payload, delay))
    try:
        assert w.deploy(TIMER, []).status_code == 201
        r = w.client.post("/api/v1/dossiers", json={"process_key": "timer_pt1s",
                          "applicant": {"name": "A"}}, headers=w.headers("client"))
        assert r.status_code == 201
        sent.clear()  # the delayed wake-up of the intake itself: "lost"
        clock.advance(timedelta(seconds=5))
        assert sweep(w.ctx) == 1
        assert sweep(w.ctx) == 0  # a second worker's sweep right after: nothing to queue
        assert [a for a, _, _ in sent] == ["wake_dossier"]
        clock.advance(REQUEUE_AFTER + timedelta(seconds=1))  # that message was lost too
        assert sweep(w.ctx) == 1
        dossier_id = sent[-1][1]["dossier_id"]
        assert wake(w.ctx, dossier_id)  # the wake arrives: timer fires, mark cleared
        d = w.client.get(f"/api/v1/dossiers/{r.get_json()['code']}",
                         headers=w.headers("auditor")).get_json()
        assert d["status"] == "finished"
        assert sweep(w.ctx) == 0
    finally:
        w.ctx.db_engine.dispose()
