"""What the metrics read at scrape time: the outbox's backlog and the open dossiers by
timeliness, one aggregate query each, under a time bound."""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, text

from engine.store.hot_path import HotPath
from engine.store.models import Dossier, OutboxMessage
from engine.store.models_incidents import Incident

# SQLite calls the progress handler every this many virtual machine instructions.
_SQLITE_STEPS = 10_000


class BacklogReads(HotPath):
    def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many rows wait to be handed to the broker, and when the oldest was written
        (a range of the `ix_outbox_pending` index: as many rows as are waiting)."""
        row = self.session.execute(
            select(func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.sent_at.is_(None))).one()
        return int(row[0]), row[1]

    def open_incident_count(self) -> int:
        """Incidents open in every province (the `ix_incident_province` index)."""
        return int(self.session.scalar(select(func.count()).select_from(Incident)
                                       .where(Incident.status == "open")) or 0)

    def open_dossier_counts(self, now: datetime) -> Sequence[tuple[str, str, int]]:
        """(province, timeliness, count) of the dossiers in process with a statutory clock:
        paused, overdue, approaching (inside the warning band) or within time, at `now`
        (what the stored `timeliness` will say at the next wake-up)."""
        timeliness = case(
            (Dossier.paused_since.is_not(None), "paused"),
            (Dossier.due_at < now, "overdue"),
            (Dossier.warn_at <= now, "approaching"),
            else_="within_time").label("timeliness")
        # Classified in a subquery and grouped outside it: PostgreSQL would not take the
        # CASE in GROUP BY for the one in the select list (their parameters differ).
        open_ = (select(Dossier.province, timeliness)
                 .where(Dossier.status == "in_process", Dossier.due_at.is_not(None))
                 .subquery())
        rows = self.session.execute(
            select(open_.c.province, open_.c.timeliness, func.count())
            .group_by(open_.c.province, open_.c.timeliness)).all()
        return [(str(p), str(t), int(n)) for p, t, n in rows]

    @contextmanager
    def time_bound(self, seconds: float) -> Iterator[None]:
        """Statements inside stop with an error past `seconds`: PostgreSQL's
        statement_timeout (set on the connection, of a read-only unit of work in autocommit,
        and reset after), SQLite's progress handler."""
        if self.postgresql:
            self.session.execute(text(f"SET statement_timeout = {int(seconds * 1000)}"))
            try:
                yield
            finally:
                self.session.execute(text("RESET statement_timeout"))
            return
        driver: Any = self.session.connection().connection.driver_connection
        deadline = time.monotonic() + seconds
        driver.set_progress_handler(lambda: int(time.monotonic() > deadline), _SQLITE_STEPS)
        try:
            yield
        finally:
            driver.set_progress_handler(None, 0)
