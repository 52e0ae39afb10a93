"""What must still hold after a fault (a killed process, a lost or unreachable Redis), read
from the database itself and from what the clients and the servers' logs saw:

- no dossier lost: every intake a client saw accepted is stored;
- no step applied twice: each task completed at most once, and each completion a client saw
  applied (200, or 409 task-already-completed on a retry after a dropped connection) is
  recorded exactly once; no workflow step of a dossier is recorded twice;
- every due timer fired once: the timers expected of each dossier are each recorded once,
  and no dossier's wake-up is left in the past;
- history chains intact: every event seals the one before it (engine/history.py);
- no HTTP 500 answered to a client and no traceback in the logs given.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engine.history import GENESIS, event_hash
from engine.store.models import Dossier, HistoryEvent, Task


def check(db_url: str, province: str, *, accepted: Collection[str] = (),
          applied: Collection[str] = (), timers: Mapping[str, Collection[str]] | None = None,
          server_errors: Iterable[object] = (), logs: Iterable[Path] = ()) -> None:
    """Assert every invariant over the dossiers of `province`. `accepted`: dossier codes whose
    intake a client saw accepted; `applied`: task ids whose completion a client saw applied;
    `timers`: dossier code -> ids of the timer events due (so fired once) by now."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            dossiers = {d.code: d for d in session.scalars(
                select(Dossier).where(Dossier.province == province))}
            events: dict[int, list[HistoryEvent]] = {d.id: [] for d in dossiers.values()}
            for e in session.scalars(select(HistoryEvent).where(
                    HistoryEvent.dossier_id.in_(list(events))).order_by(
                    HistoryEvent.dossier_id, HistoryEvent.seq)):
                events[e.dossier_id].append(e)
            tasks = list(session.scalars(select(Task).where(Task.province == province)))
    finally:
        engine.dispose()

    lost = sorted(set(accepted) - dossiers.keys())
    assert not lost, f"accepted intakes missing from the database: {lost}"

    completions = Counter(e.task_id for evs in events.values() for e in evs
                          if e.kind == "task.completed")
    twice = {t: n for t, n in completions.items() if n > 1}
    assert not twice, f"tasks completed more than once: {twice}"
    missing = sorted(set(applied) - completions.keys())
    assert not missing, f"completions answered as applied but not recorded: {missing}"
    closed = {t.id for t in tasks if t.status == "completed"}
    assert closed == set(completions), \
        f"inbox and history disagree on completed tasks: {sorted(closed ^ set(completions))}"

    now = datetime.now(UTC)
    by_id = {d.id: d for d in dossiers.values()}
    for dossier_id, evs in events.items():
        code = by_id[dossier_id].code
        steps = Counter(e.task_id for e in evs if e.kind == "step.completed")
        again = {t: n for t, n in steps.items() if n > 1}
        assert not again, f"{code}: workflow steps recorded more than once: {again}"
        wake = by_id[dossier_id].next_wakeup
        assert wake is None or wake > now, f"{code}: its wake-up {wake} passed unfired"
        _check_chain(code, by_id[dossier_id], evs)
    for code, due in (timers or {}).items():
        assert code in dossiers, f"{code} is not stored"
        fired = Counter(e.element_id for e in events[dossiers[code].id]
                        if e.kind == "step.completed")
        wrong = {t: fired[t] for t in due if fired[t] != 1}
        assert not wrong, f"{code}: timers not fired exactly once: {wrong}"

    errors = list(server_errors)
    assert not errors, f"clients were answered with server errors: {errors}"
    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, f"a traceback in {log.name}:\n{text[-4000:]}"


def _check_chain(code: str, dossier: Dossier, events: list[HistoryEvent]) -> None:
    assert events and events[0].kind == "dossier.received", f"{code}: stored without its intake"
    prev = GENESIS
    for n, e in enumerate(events, start=1):
        assert e.seq == n, f"{code}: history seq {e.seq} where {n} was expected"
        assert e.prev_hash == prev, f"{code}: event {n} does not seal the one before it"
        assert e.hash == event_hash(prev, e.seq, e.at, e.kind, e.actor_id, e.element_id,
                                    e.task_id, e.payload), f"{code}: event {n} was altered"
        prev = e.hash
    assert dossier.history_seq == len(events) and (dossier.history_head or GENESIS) == prev, \
        f"{code}: the dossier's chain head does not match its last event"
