"""The periodic purge of what is kept only for a while (see engine.store.retention_rows),
run by the sweeper about once an hour, in batches of one transaction each so that no
long lock is held."""
from __future__ import annotations

import logging
from datetime import timedelta

from engine.services.context import Context
from engine.store.retention_rows import purge_completion_keys, purge_delivered

log = logging.getLogger(__name__)


def purge_expired(ctx: Context, *, batch: int = 2000, rounds: int = 50) -> dict[str, int]:
    """Delete kept Idempotency-Key answers older than `completion_key_days` and delivered
    webhook deliveries older than `delivered_webhook_days` (0 keeps them for ever); how many
    of each went. At most `rounds` batches of each per run: the rest waits for the next."""
    settings = ctx.settings
    now = ctx.clock.now()
    gone = {"completion_keys": 0, "webhook_deliveries": 0}
    plans = (("completion_keys", settings.completion_key_days, purge_completion_keys),
             ("webhook_deliveries", settings.delivered_webhook_days, purge_delivered))
    for name, days, purge in plans:
        if days <= 0:
            continue
        before = now - timedelta(days=days)
        for _ in range(rounds):
            with ctx.uow() as uow:
                n = purge(uow.session, before, batch)
                uow.commit()
            gone[name] += n
            if n < batch:
                break
    if any(gone.values()):
        log.info("purged %(completion_keys)d kept answers and %(webhook_deliveries)d "
                 "delivered webhooks", gone)
    return gone
