"""The hourly purge: kept Idempotency-Key answers and delivered webhooks go once older than
their settings say; pending deliveries and dead letters stay, whatever their age."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.jobs.retention import purge_expired
from engine.services.webhooks.deliveries import deliver
from engine.store.models import CompletionKey
from engine.store.models_webhooks import WebhookAttempt, WebhookDelivery
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, officer_for, started, step
from tests.api.test_webhooks import LOCAL, log, subscribe
from tests.conftest import World, make_world
from tests.webhook_receiver import Receiver


def _count(w: World, model: Any, **where: Any) -> int:
    """Rows of `model` (of this world's province, for the kept answers) matching `where`."""
    if model is CompletionKey:
        where["province"] = w.province
    with w.ctx.uow() as uow:
        q = select(func.count()).select_from(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return int(uow.session.scalar(q) or 0)


def _complete_with_key(w: World, key: str) -> None:
    d = started(w)
    task = step(d, "receive")["task_id"]
    r = w.client.post(f"/api/v1/tasks/{task}/complete", json={"data": {"copies": 1}},
                      headers={**w.headers(officer_for(w, task)), "Idempotency-Key": key})
    assert r.status_code == 200, r.get_json()


def test_old_answers_and_delivered_webhooks_are_purged(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    w = make_world(db_url, clock=clock, **{**LOCAL, "webhook_retry_seconds": 60.0},
                   webhook_max_age=3600.0, completion_key_days=7, delivered_webhook_days=30)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    receiver = Receiver().start()
    try:
        ok = subscribe(w, receiver.url, event_types=["dossier.status_changed"])
        _complete_with_key(w, "old-key")
        delivered = [d["id"] for d in log(w, ok)]
        assert delivered and all(deliver(w.ctx, i) == "delivered" for i in delivered)
        # a delivery that dies, and one left pending: neither is ever purged
        receiver.answers = [500] * 10
        doomed = subscribe(w, receiver.url, event_types=["task.created"])
        started(w)
        dead = log(w, doomed)[0]["id"]
        assert deliver(w.ctx, dead) == "retry"
        clock.advance(timedelta(hours=2))
        assert deliver(w.ctx, dead) == "dead"
        started(w)  # another dossier's delivery, never sent
        (pending,) = [d["id"] for d in log(w, doomed) if d["status"] == "pending"]

        clock.advance(timedelta(days=6))
        _complete_with_key(w, "new-key")
        # (the database is shared with other tests: what the purge returns counts theirs too)
        purge_expired(w.ctx)
        assert _count(w, CompletionKey) == 2
        clock.advance(timedelta(days=2))  # the first key is 8 days old, the second 2
        assert purge_expired(w.ctx)["completion_keys"] >= 1
        assert _count(w, CompletionKey) == 1 and _count(w, CompletionKey, key="new-key") == 1
        assert all(_count(w, WebhookDelivery, id=i) == 1 for i in delivered)

        clock.advance(timedelta(days=30))  # every delivery is now older than 30 days
        gone = purge_expired(w.ctx, batch=1, rounds=10_000)  # several batches
        assert gone["completion_keys"] >= 1 and gone["webhook_deliveries"] >= len(delivered)
        assert _count(w, CompletionKey) == 0
        assert all(_count(w, WebhookDelivery, id=i) == 0 for i in delivered)
        assert all(_count(w, WebhookAttempt, delivery_id=i) == 0 for i in delivered)
        assert _count(w, WebhookDelivery, id=dead) == 1
        assert _count(w, WebhookDelivery, id=pending) == 1
        assert _count(w, WebhookAttempt, delivery_id=dead) == 2
        # the later dossiers' deliveries to it, never sent, are still there
        assert log(w, ok) and all(d["status"] == "pending" for d in log(w, ok))
    finally:
        receiver.stop()
        w.ctx.db_engine.dispose()


def test_zero_days_keeps_everything(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    w = make_world(db_url, clock=clock, completion_key_days=0, delivered_webhook_days=0)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    _complete_with_key(w, "kept")
    clock.advance(timedelta(days=3650))
    assert purge_expired(w.ctx) == {"completion_keys": 0, "webhook_deliveries": 0}
    # (nothing at all is purged, whoever else's rows the shared database holds)
    assert _count(w, CompletionKey) == 1
    w.ctx.db_engine.dispose()
