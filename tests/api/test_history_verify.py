"""Proving a dossier's record intact: GET /dossiers/{code}/history/verify and
`motcua history verify` re-compute the hash chain and name the first event out of place when
someone with the database's owner rights (who can set the append-only triggers aside)
altered, removed or cut history."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text

from api.cli import main
from engine.services.records import audit
from tests.api.helpers import complete, dossier, started, step
from tests.conftest import World

SQLITE_TRIGGERS = {
    verb: (f"CREATE TRIGGER history_events_no_{verb.lower()} BEFORE {verb} ON history_events "
           f"BEGIN SELECT RAISE(ABORT, 'history events are append-only: {verb} refused'); END")
    for verb in ("UPDATE", "DELETE")}


@contextmanager
def triggers_set_aside(world: World) -> Iterator[Any]:
    """A connection that can change history: what only the database's owner could do."""
    engine = world.ctx.db_engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE history_events DISABLE TRIGGER USER"))
            yield conn
            conn.execute(text("ALTER TABLE history_events ENABLE TRIGGER USER"))
        else:
            for verb in SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER history_events_no_{verb.lower()}"))
            yield conn
            for sql in SQLITE_TRIGGERS.values():
                conn.execute(text(sql))


def verify(world: World, code: str, who: str = "auditor") -> Any:
    return world.client.get(f"/api/v1/dossiers/{code}/history/verify",
                            headers=world.headers(who))


def moved(world: World) -> str:
    """A dossier with a few events: received, then its first task completed."""
    code = str(started(world)["code"])
    task_id = step(dossier(world, code), "receive")["task_id"]
    assert complete(world, task_id, {"copies": 2}).status_code == 200
    return code


def dossier_id(conn: Any, code: str) -> int:
    return int(conn.execute(text("SELECT id FROM dossiers WHERE code = :c"),
                            {"c": code}).scalar_one())


def test_an_untouched_record_is_intact(two_steps: World) -> None:
    code = moved(two_steps)
    r = verify(two_steps, code)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["intact"] is True and body["first_divergence"] is None
    assert body["events"] >= 4 and len(body["head"]) == 64
    assert verify(two_steps, code, "client").status_code == 200  # who may read its history
    assert verify(two_steps, code, "designer").status_code == 403


@pytest.mark.parametrize("change, seq, words, kind", [
    ("UPDATE history_events SET payload = '{\"data\": {\"copies\": 9}}' "
     "WHERE dossier_id = :d AND kind = 'task.completed'", None, "content does not match",
     "event_altered"),
    ("DELETE FROM history_events WHERE dossier_id = :d AND seq = 2", 2, "missing",
     "event_missing"),
    ("DELETE FROM history_events WHERE dossier_id = :d AND seq = "
     "(SELECT max(seq) FROM history_events WHERE dossier_id = :d)", None,
     "does not end where the dossier says", "chain_end"),
])
def test_an_altered_record_is_found_at_its_first_event_out_of_place(
        two_steps: World, change: str, seq: int | None, words: str, kind: str) -> None:
    world = two_steps
    code = moved(world)
    with triggers_set_aside(world) as conn:
        did = dossier_id(conn, code)
        expected_seq = seq or conn.execute(text(
            "SELECT seq FROM history_events WHERE dossier_id = :d AND kind = 'task.completed'"),
            {"d": did}).scalar_one()
        if "max(seq)" in change:
            expected_seq = conn.execute(text(
                "SELECT max(seq) FROM history_events WHERE dossier_id = :d"),
                {"d": did}).scalar_one()
        conn.execute(text(change), {"d": did})
    body = verify(world, code).get_json()
    assert body["intact"] is False, body
    assert words in body["first_divergence"]["reason"], body
    assert body["first_divergence"]["code"] == kind, body  # what the pages translate
    assert body["first_divergence"]["seq"] == expected_seq, body


def test_the_command_line_names_each_dossier_at_fault(
        two_steps: World, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    world = two_steps
    good, bad = moved(world), moved(world)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    assert main(["history", "verify", "--province", world.province]) == 0
    captured = capsys.readouterr()
    assert "2 dossiers checked, 0 not intact" in captured.err
    for code in (good, bad):  # a line per dossier: its chain (the anchors, once)
        events = verify(world, code).get_json()["events"]
        assert f"{world.province} {code}: intact ({events} events)\n" in captured.out
    assert main(["history", "verify", "--province", world.province, "--reexecute"]) == 0
    captured = capsys.readouterr()
    for code in (good, bad):  # with --reexecute, its history re-executed as over HTTP
        api = verify(world, code).get_json()
        assert (f"{world.province} {code}: intact ({api['events']} events, "
                f"{api['reexecution']['steps_compared']} steps re-executed)") in captured.out
        assert api['reexecution']['steps_compared'] > 0
    with triggers_set_aside(world) as conn:
        conn.execute(text("UPDATE history_events SET at = at WHERE dossier_id = :d"),
                     {"d": dossier_id(conn, bad)})  # touching nothing leaves it intact
        conn.execute(text("UPDATE history_events SET kind = 'task.claimed' "
                          "WHERE dossier_id = :d AND seq = 1"), {"d": dossier_id(conn, bad)})
    assert main(["history", "verify", "--province", world.province]) == 1
    captured = capsys.readouterr()
    assert f"{bad}: chain event 1: its content does not match its hash" in captured.out
    assert f"{good}: intact" in captured.out
    assert "2 dossiers checked, 1 not intact" in captured.err
    # Two processes, a page of one dossier each: the same lines, in the same order.
    monkeypatch.setattr(audit, "BATCH", 1)
    assert main(["history", "verify", "--province", world.province, "--jobs", "2"]) == 1
    side_by_side = capsys.readouterr()
    assert side_by_side.out == captured.out
    assert "2 dossiers checked, 1 not intact" in side_by_side.err
    assert main(["history", "verify", "--province", world.province, "--jobs", "0"]) == 2
    assert "--jobs 0: from 1 to" in capsys.readouterr().err
    assert main(["history", "verify", "--province", "P" + uuid.uuid4().hex[:6]]) == 0
    assert main(["history", "verify", "--since", "not a date"]) == 2


def test_the_command_line_verifies_one_dossier_as_the_api_does(
        two_steps: World, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    world = two_steps
    code = moved(world)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    assert main(["history", "verify", "--code", code]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{world.province} {code}: intact ("), out
    assert len(out.splitlines()) == 1
    assert main(["history", "verify", "--code", code, "--province",
                 "P" + uuid.uuid4().hex[:6]]) == 2
    assert "no such dossier in province" in capsys.readouterr().err
    assert main(["history", "verify", "--code", "NO-SUCH-CODE"]) == 2
    assert main(["history", "verify", "--code", code, "--since", "2026-01-01"]) == 2