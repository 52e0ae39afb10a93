"""Let SpiffWorkflow's timers read the injected clock instead of the wall clock.

SpiffWorkflow compares timer instants with `datetime.now(timezone.utc)` inside its timer
module. We give that module a `datetime` whose `now()` returns the instant set for the
current command (a context variable), so a test's manual clock, or a replay, decides when
timers fire. Outside `engine_time(...)` it is the real clock.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("motcua_now", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        instant = _NOW.get()
        if instant is None:
            return datetime.now(tz)
        return instant.astimezone(tz) if tz is not None else instant.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


@contextmanager
def engine_time(now: datetime) -> Iterator[None]:
    """Run SpiffWorkflow with `now` as the current instant."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)
