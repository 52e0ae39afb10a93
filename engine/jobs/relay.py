"""Moving committed outbox rows to the broker, and the periodic safety sweep."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis

from engine.errors import CommitUnknown, DatabaseUnavailable
from engine.services.context import Context
from engine.services.flow.dossiers import expire_messages, wake
from engine.services.flow.progress import WAKE_ACTOR
from engine.services.public.figures import drop_empty_open_rows
from engine.services.webhooks.deliveries import DELIVER_ACTOR, deliver

log = logging.getLogger(__name__)


def relay_outbox(ctx: Context, batch: int = 200) -> int:
    """Send unsent outbox messages (delayed until due) and mark them sent. Returns the count.

    Rows are claimed with SKIP LOCKED on PostgreSQL, so relays in several processes never
    send one row twice; a crash after sending and before commit re-sends it, which the
    actors tolerate (they are idempotent).
    """
    if ctx.send_job is None:
        return 0
    now = ctx.clock.now()
    sent = 0
    with ctx.uow() as uow:
        rows = uow.repo.claim_outbox(now, batch)
        for row in rows:
            delay = max(0.0, (row.due_at - now).total_seconds())
            ctx.send_job(row.actor, row.payload, delay)
            sent += 1
        uow.repo.mark_sent([r.id for r in rows], now)
        uow.commit()
    return sent


REQUEUE_AFTER = timedelta(seconds=60)


def sweep(ctx: Context, *, inline: bool = False, grace: float = 0.0, batch: int = 5000) -> int:
    """Wake every dossier whose wake-up instant has passed, in case its delayed message was
    lost (a Redis restart, a crash between commit and send), drop the kept messages that
    expired and the figures' open counts left at zero. Returns how many dossiers were woken.

    By default the wakes are enqueued for the workers (cheap, so one sweep stays fast however
    many dossiers are open: the query is a range scan of the `next_wakeup` index); with
    `inline` they run here. `grace` skips wake-ups younger than that many seconds, whose
    own messages are normally still on their way. A queued dossier is marked, so sweeps in
    other processes do not queue it again for REQUEUE_AFTER (in case that message is lost
    too). Waking twice is still harmless: `wake` locks the dossier and does nothing when
    nothing is due.
    """
    now = ctx.clock.now()
    try:
        expire_messages(ctx)
    except DATABASE_UNAVAILABLE:
        raise
    except Exception:  # the wakes still go out
        log.exception("sweep could not expire kept messages")
    try:
        drop_empty_open_rows(ctx)
    except DATABASE_UNAVAILABLE:
        raise
    except Exception:
        log.exception("sweep could not drop the figures' empty rows")
    if inline or ctx.send_job is None:
        with ctx.uow(readonly=True) as uow:
            due = list(uow.repo.due_dossier_ids(now - timedelta(seconds=grace), batch))
        for dossier_id in due:
            try:
                wake(ctx, dossier_id)
            except Exception:  # one broken dossier must not stop the sweep of the others
                log.exception("sweep could not wake dossier %s", dossier_id)
        relay_outbox(ctx)
        return len(due)
    with ctx.uow() as uow:
        due = list(uow.repo.claim_due_dossiers(now - timedelta(seconds=grace),
                                               now - REQUEUE_AFTER, now, batch))
        # Sent before the claim commits: if the broker is down this raises (once, not per
        # dossier) and the claim is rolled back, so the next sweep tries them again.
        for dossier_id in due:
            ctx.send_job(WAKE_ACTOR, {"dossier_id": dossier_id}, 0.0)
        uow.commit()
    relay_outbox(ctx)
    return len(due)


def queue_deliveries(ctx: Context, ids: list[int]) -> None:
    """Hand committed webhook deliveries to the workers: one message for them all, which a
    worker fans out. If the broker is unreachable they stay pending, and the sweep queues
    them once it is back."""
    if ctx.send_job is None or not ids:
        return
    payload = {"delivery_id": ids[0]} if len(ids) == 1 else {"delivery_ids": ids}
    ctx.send_job(DELIVER_ACTOR, payload, 0.0)


def sweep_deliveries(ctx: Context, *, grace: float = 0.0, batch: int = 1000) -> int:
    """Queue the pending deliveries whose time came and that no worker is sending (their
    message was lost, the broker was down, a worker died while sending): only the first
    pending delivery of each dossier and subscription, so the order holds. `grace` skips
    those younger than that many seconds (their own messages are normally on their way); a
    queued delivery is not queued again for REQUEUE_AFTER. Without a broker they are sent
    here."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        due = uow.repo.claim_due_deliveries(now - timedelta(seconds=grace),
                                            now - REQUEUE_AFTER, now, batch)
        if ctx.send_job is not None:  # before the claim commits (as `sweep` does)
            for delivery_id in due:
                ctx.send_job(DELIVER_ACTOR, {"delivery_id": delivery_id}, 0.0)
        uow.commit()
    if ctx.send_job is None:
        for delivery_id in due:
            deliver(ctx, delivery_id)
    return len(due)


# Redis stopped or unreachable: an outage to report, not a fault in the code. Nothing is lost
# (the claim rolls back, the rows stay unsent in the outbox and the next relay or sweep sends
# them), so one line each time, not a traceback after every command that wrote a wake-up.
BROKER_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# The same for the database: the relay or sweep runs again shortly, on a new connection.
DATABASE_UNAVAILABLE = (DatabaseUnavailable, CommitUnknown)


def safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BROKER_UNREACHABLE as exc:
            log.warning("%s: the broker is unreachable (%s); the jobs wait in the outbox",
                        fn.__name__, exc)
            return None
        except DATABASE_UNAVAILABLE as exc:
            log.warning("%s: the database is unavailable (%s); it runs again later",
                        fn.__name__, exc)
            return None
        except Exception:
            log.exception("%s failed", fn.__name__)
            return None
    return run
