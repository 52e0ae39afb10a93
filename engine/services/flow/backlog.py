"""What waits, for the metrics scrape: the outbox's backlog and the open dossiers by
timeliness, read at the moment of the scrape.

Each figure is one aggregate query in a read-only unit of work, stopped past
QUERY_TIME_BOUND; a figure whose query fails is left out of that scrape (logged), and the
counters are answered all the same: monitoring must not go blind when the database is slow.
"""
from __future__ import annotations

import logging

from engine.metrics import counts
from engine.metrics.exposition import Backlog
from engine.services.context import Context

log = logging.getLogger(__name__)
# Seconds each query may take; Prometheus's own scrape timeout is 10 s by default.
QUERY_TIME_BOUND = 2.0


def backlog(ctx: Context, time_bound: float = QUERY_TIME_BOUND) -> Backlog:
    """The outbox's depth and oldest row's age, and the open dossiers by province and
    timeliness; no caller: the API decides who may scrape."""
    now = ctx.clock.now()
    depth: int | None = None
    age: float | None = None
    try:
        with ctx.uow(readonly=True) as uow, uow.repo.time_bound(time_bound):
            depth, oldest = uow.repo.outbox_backlog()
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
    except Exception as exc:  # report, don't raise: this is what monitoring reads
        log.warning("metrics: the outbox backlog could not be read: %s", _short(exc))
    try:
        with ctx.uow(readonly=True) as uow, uow.repo.time_bound(time_bound):
            open_dossiers = uow.repo.open_dossier_counts(now)
    except Exception as exc:
        log.warning("metrics: the open dossiers could not be counted: %s", _short(exc))
        open_dossiers = None
    try:
        with ctx.uow(readonly=True) as uow, uow.repo.time_bound(time_bound):
            counts.incidents_open(uow.repo.open_incident_count())
    except Exception as exc:
        log.warning("metrics: the open incidents could not be counted: %s", _short(exc))
    return Backlog(depth, age, open_dossiers)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
