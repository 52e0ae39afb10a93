"""Broker and actors. Actors are thin: they take ids and call a use case."""
from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware

from engine.jobs.relay import DATABASE_UNAVAILABLE, safe, sweep, sweep_deliveries
from engine.jobs.retention import purge_expired
from engine.services.context import Context
from engine.services.flow.dossiers import wake
from engine.services.flow.migrations import MIGRATE_ACTOR, move_batch, requeue_stalled
from engine.services.records.anchors import anchor_due
from engine.services.webhooks.deliveries import DELIVER_ACTOR, deliver


def make_broker(redis_url: str) -> dramatiq.Broker:
    """Redis's broker when given, else one in memory for a worker in this process. Nothing
    starts here: API processes only send (see start_worker)."""
    broker: dramatiq.Broker = (RedisBroker(url=redis_url)  # type: ignore[no-untyped-call]
                               if redis_url else StubBroker())
    return broker


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    """A worker in this process (the embedded default). Its boot is told to the middleware
    first, as `dramatiq` does in worker processes: TimeLimit's watchdog thread starts then,
    once per worker, never for a broker that only sends."""
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker


def install(ctx: Context, broker: dramatiq.Broker) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare the actors on `broker` and let the context send jobs through it."""
    dramatiq.set_broker(broker)

    def wake_dossier(dossier_id: int) -> None:
        try:
            wake(ctx, dossier_id)
        except DATABASE_UNAVAILABLE as exc:
            # An outage, not a fault of the dossier: retried (waking twice is harmless)
            # with a line in the log rather than a traceback.
            raise dramatiq.Retry(f"wake_dossier({dossier_id}): {exc}", delay=1000) from exc

    def deliver_webhook(delivery_id: int | None = None,
                        delivery_ids: list[int] | None = None) -> None:
        if delivery_ids:  # several commands' deliveries: one message each, for any worker
            for one in delivery_ids:
                send(DELIVER_ACTOR, {"delivery_id": one}, 0.0)
            return
        if delivery_id is None:
            return
        try:
            deliver(ctx, delivery_id)
        except DATABASE_UNAVAILABLE as exc:
            raise dramatiq.Retry(f"deliver_webhook({delivery_id}): {exc}", delay=1000) from exc

    def migrate_dossiers(migration_id: int, dossier_ids: list[int]) -> None:
        try:
            move_batch(ctx, migration_id, dossier_ids)
        except DATABASE_UNAVAILABLE as exc:
            # Dossiers already moved are skipped when the batch runs again.
            raise dramatiq.Retry(f"migrate_dossiers({migration_id}): {exc}",
                                 delay=1000) from exc

    actors = {
        "wake_dossier": dramatiq.actor(  # type: ignore[call-overload]
            wake_dossier, broker=broker, actor_name="wake_dossier", max_retries=20,
            min_backoff=1000),
        # Its own retries are the delivery's (rows, delays, maximum age); dramatiq's only
        # cover a failure of the database, and the sweep what they miss.
        DELIVER_ACTOR: dramatiq.actor(  # type: ignore[call-overload]
            deliver_webhook, broker=broker, actor_name=DELIVER_ACTOR, max_retries=5,
            min_backoff=1000),
        MIGRATE_ACTOR: dramatiq.actor(  # type: ignore[call-overload]
            migrate_dossiers, broker=broker, actor_name=MIGRATE_ACTOR, max_retries=20,
            min_backoff=1000, time_limit=30 * 60 * 1000),
    }

    def send(actor: str, payload: dict[str, Any], delay: float) -> None:
        actors[actor].send_with_options(kwargs=payload, delay=int(delay * 1000) or None)

    ctx.send_job = send
    return actors


# How often a sweeper looks for days that ended without their history anchor.
ANCHOR_EVERY = 300.0
PURGE_EVERY = 3600.0


class Sweeper:
    """A daemon thread that runs `sweep` every `interval` seconds until stopped."""

    def __init__(self, ctx: Context, interval: float) -> None:
        self._ctx = ctx
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="motcua-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        tick, anchor, webhooks = safe(sweep), safe(anchor_due), safe(sweep_deliveries)
        requeue, purge = safe(requeue_stalled), safe(purge_expired)
        anchored = purged = 0.0
        while not self._stop.wait(self._interval):
            tick(self._ctx, grace=self._interval)
            webhooks(self._ctx, grace=self._interval)
            requeue(self._ctx)
            if time.monotonic() - anchored >= ANCHOR_EVERY:
                anchored = time.monotonic()
                anchor(self._ctx)
            if time.monotonic() - purged >= PURGE_EVERY:
                purged = time.monotonic()
                purge(self._ctx)


class SweeperMiddleware(Middleware):
    """Runs a sweeper in each dramatiq worker process."""

    def __init__(self, ctx: Context, interval: float) -> None:
        self._ctx = ctx
        self._interval = interval
        self._sweeper: Sweeper | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._sweeper = Sweeper(self._ctx, self._interval)
        self._sweeper.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
