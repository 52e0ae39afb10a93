"""Daily anchors: a digest per province and day over the chain heads that moved that day.
A whole dossier deleted, or one rewound to an earlier event (each chain still proving
itself), is found by the anchors of the days it had events. Anchors written before (scheme
1: every dossier's head) still verify as they were written."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from api.cli import main
from engine.clock import ManualClock
from engine.services.records import anchors
from engine.services.records.anchors import anchor_due, verify_anchors
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, complete, dossier, started, step
from tests.api.test_history_verify import dossier_id, triggers_set_aside, verify
from tests.conftest import World


@pytest.fixture
def day_one(clocked: tuple[World, ManualClock]) -> tuple[World, ManualClock, list[str]]:
    world, clock = clocked
    assert world.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    codes = [started(world)["code"] for _ in range(2)]
    task_id = step(dossier(world, codes[0]), "receive")["task_id"]
    assert complete(world, task_id, {"copies": 1}).status_code == 200
    return world, clock, codes


def test_each_ended_day_is_anchored_once(day_one: tuple[World, ManualClock, list[str]]
                                         ) -> None:
    world, clock, _ = day_one
    assert anchor_due(world.ctx, world.province) == []  # the day has not ended
    clock.advance(timedelta(days=3))
    done = anchor_due(world.ctx, world.province)
    assert [d for _, d in done] == [(clock.now() - timedelta(days=i)).date()
                                    for i in (3, 2, 1)]
    assert anchor_due(world.ctx, world.province) == []  # nothing more until a day ends
    assert verify_anchors(world.ctx, world.province) == []
    with world.ctx.uow(readonly=True) as uow:
        stored = list(uow.repo.anchors(world.province))
    assert [a.dossiers for a in stored] == [2, 0, 0]  # only the first day had events
    assert {a.scheme for a in stored} == {2}
    assert stored[1].prev_digest == stored[0].digest
    # Later events do not disturb the anchors of days before them.
    started(world)
    assert verify_anchors(world.ctx, world.province) == []


def _rewind(conn: Any, did: int) -> None:
    """The last event removed and the dossier row set back to the one before: the chain
    still proves itself."""
    last = conn.execute(text("SELECT max(seq) FROM history_events WHERE dossier_id = :d"),
                        {"d": did}).scalar_one()
    prev = conn.execute(text("SELECT prev_hash FROM history_events WHERE dossier_id = :d "
                             "AND seq = :s"), {"d": did, "s": last}).scalar_one()
    conn.execute(text("DELETE FROM history_events WHERE dossier_id = :d AND seq = :s"),
                 {"d": did, "s": last})
    conn.execute(text("UPDATE dossiers SET history_seq = :s, history_head = :h WHERE id = :d"),
                 {"s": last - 1, "h": prev, "d": did})


def _delete(conn: Any, did: int) -> None:
    for table in ("history_events", "tasks", "documents", "processed_messages"):
        conn.execute(text(f"DELETE FROM {table} WHERE dossier_id = :d"), {"d": did})
    conn.execute(text("DELETE FROM dossiers WHERE id = :d"), {"d": did})


@pytest.mark.parametrize("change", ["rewind", "delete"])
def test_a_dossier_rewound_or_deleted_is_found_by_the_anchors(
        day_one: tuple[World, ManualClock, list[str]], db_url: str, change: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    world, clock, codes = day_one
    clock.advance(timedelta(days=2))
    assert len(anchor_due(world.ctx, world.province)) == 2
    with triggers_set_aside(world) as conn:
        did = dossier_id(conn, codes[0])
        if change == "rewind":
            _rewind(conn, did)
        else:
            _delete(conn, did)
    if change == "rewind":  # its own chain proves itself: the anchors tell
        body = verify(world, codes[0]).get_json()
        assert body["chain"]["intact"] is True and body["intact"] is False, body
        assert [p["day"] for p in body["anchors"]["problems"]] == [
            (clock.now() - timedelta(days=2)).date().isoformat()]  # its last day of events
    problems = verify_anchors(world.ctx, world.province)
    # the day of its events; the next day, without events, is not concerned
    assert [p.day for p in problems] == [(clock.now() - timedelta(days=2)).date()]
    assert "no longer give its digest" in problems[0].reason
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    assert main(["history", "verify", "--province", world.province]) == 1
    out = capsys.readouterr()
    assert f"{world.province} anchor {problems[0].day.isoformat()}:" in out.out
    assert "1 anchors at fault" in out.err


def test_anchors_of_the_earlier_scheme_verify_as_written(
        day_one: tuple[World, ManualClock, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anchors written over every dossier's head (scheme 1) keep verifying after the
    change, and a deletion still shows in each of them from its dossier's first day on."""
    world, clock, codes = day_one
    clock.advance(timedelta(days=1))
    monkeypatch.setattr(anchors, "SCHEME", 1)
    assert len(anchor_due(world.ctx, world.province)) == 1
    monkeypatch.setattr(anchors, "SCHEME", 2)
    started(world)  # events on the second day
    clock.advance(timedelta(days=2))
    assert len(anchor_due(world.ctx, world.province)) == 2
    with world.ctx.uow(readonly=True) as uow:
        stored = list(uow.repo.anchors(world.province))
    assert [(a.scheme, a.dossiers) for a in stored] == [(1, 2), (2, 1), (2, 0)]
    assert verify_anchors(world.ctx, world.province) == []
    with triggers_set_aside(world) as conn:
        _delete(conn, dossier_id(conn, codes[1]))
    assert [p.day for p in verify_anchors(world.ctx, world.province)] == [stored[0].day]


def test_the_command_line_anchors_the_days_that_ended(
        day_one: tuple[World, ManualClock, list[str]], db_url: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    world, clock, _ = day_one
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    assert main(["history", "anchor", "--province", world.province]) == 0
    # The command line runs on the wall clock: the manual clock's day (2026) has ended.
    out = capsys.readouterr().out
    assert f"{world.province} {clock.now().date().isoformat()} anchored" in out
