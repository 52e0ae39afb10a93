"""Moving committed outbox rows to the broker, and the periodic safety sweep."""
from __future__ import annotations

import logging
from typing import Any, Callable

from engine.services.context import Context
from engine.services.dossiers import wake

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


def sweep(ctx: Context, batch: int = 500) -> int:
    """Fire every due timer whose message was lost, and relay any stranded outbox rows."""
    fired = 0
    now = ctx.clock.now()
    with ctx.uow() as uow:
        due = list(uow.repo.due_dossier_ids(now, batch))
    for dossier_id in due:
        try:
            fired += int(wake(ctx, dossier_id))
        except Exception:  # one broken dossier must not stop the sweep of the others
            log.exception("sweep could not wake dossier %s", dossier_id)
    relay_outbox(ctx)
    return fired


def safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("%s failed", fn.__name__)
            return None
    return run
