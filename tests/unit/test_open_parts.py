"""Where an open dossier is counted, how a write moves it, and the classes at a moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from engine.stats.open_parts import NO_DAY, OpenKey, classes, day_start, deltas, parts

VN = timezone(timedelta(hours=7))


def row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"province": "P", "procedure_code": "p1", "unit": "U",
                               "channel": "online", "status": "in_process",
                               "paused_since": None, "due_at": None, "warn_at": None}
    return {**base, **kw}


def key(kind: str, day: date) -> OpenKey:
    return OpenKey("P", "p1", "U", "online", kind, day)


def test_parts_and_moves() -> None:
    # Due 9 March 08:00 in Vietnam, warned 5 March 23:30 in Vietnam (16:30 UTC).
    due = datetime(2026, 3, 9, 8, tzinfo=VN)
    warn = datetime(2026, 3, 5, 16, 30, tzinfo=timezone.utc)
    timed = row(due_at=due, warn_at=warn)
    assert parts(timed) == [key("due", date(2026, 3, 9)), key("warn", date(2026, 3, 5)),
                            key("warned_due", date(2026, 3, 9))]
    assert parts(row()) == [key("untimed", NO_DAY)]
    assert parts(row(status="finished", due_at=due)) == []
    # Paused: it leaves its three day parts for `paused`; finished: it leaves everything.
    paused = {**timed, "paused_since": due - timedelta(days=1)}
    assert sorted(deltas(timed, paused), key=str) == sorted([
        (key("due", date(2026, 3, 9)), -1), (key("warn", date(2026, 3, 5)), -1),
        (key("warned_due", date(2026, 3, 9)), -1), (key("paused", NO_DAY), 1)], key=str)
    assert deltas(paused, {**paused, "status": "withdrawn"}) == [(key("paused", NO_DAY), -1)]
    assert deltas(None, row()) == [(key("untimed", NO_DAY), 1)]
    assert deltas(timed, {**timed, "updated_at": due}) == []  # nothing watched moved


def test_classes_at_a_moment() -> None:
    # 10 timed dossiers: 4 due before today, 1 due today before now; 7 warned before today
    # (all 4 overdue ones among them), 1 warned today by now (the one due today before now).
    # overdue = 4 + 1 = 5; approaching = (7 + 1) − (4 + 1) = 3; within = 10 − 5 − 3 = 2.
    kept = {"due": 10, "warn": 9, "warned_due": 9, "paused": 2, "untimed": 1}
    before = {"due": 4, "warn": 7, "warned_due": 4}
    today = {"due": 1, "warn": 1, "warned_due": 1}
    assert classes(kept, before, today) == {"within_time": 2, "approaching": 3, "overdue": 5,
                                            "paused": 2, "untimed": 1}
    assert day_start(datetime(2026, 3, 2, 20, tzinfo=timezone.utc)) == datetime(
        2026, 3, 3, tzinfo=VN)  # 20:00 UTC is 03:00 the next day in Vietnam
