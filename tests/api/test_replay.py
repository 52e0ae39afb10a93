"""Re-execution of a dossier's recorded history: GET /dossiers/{code}/history/verify runs
the recorded inputs again on the version the dossier started on and compares every
command's steps, status and state; GET /dossiers/{code}/replay?seq=N shows the dossier as
it stood after event N, as the API showed it then."""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.history import GENESIS, event_hash
from tests.api.constructs import MONDAY_8AM, _deploy, _do, _start, _wake_at
from tests.api.helpers import (
    TWO_STEPS,
    TWO_STEPS_FORMS,
    assert_problem,
    complete,
    dossier,
    history,
    post_bpmn,
    started,
    step,
    two_steps_forms,
)
from tests.api.test_history_verify import dossier_id, triggers_set_aside, verify
from tests.conftest import World
from tests.processes.test_catalogue_api import (
    CASES,
    CHANNELS,
    FORMS,
    _deliver,
    _property_values,
    _with_units,
)


def replay(world: World, code: str, seq: Any, who: str = "auditor") -> Any:
    return world.client.get(f"/api/v1/dossiers/{code}/replay", query_string={"seq": seq},
                            headers=world.headers(who))


def seen(d: dict[str, Any]) -> dict[str, Any]:
    """What the API showed of a dossier that a replay must show the same."""
    return {"status": d["status"], "data": d["data"], "due_at": d["due_at"],
            "warn_at": d["warn_at"], "timeliness": d["timeliness"], "paused": d["paused"],
            "pause_count": d["pause_count"], "process_version": d["process_version"],
            "new_appointment_at": d["new_appointment_at"],
            "steps": sorted((s["element_id"], s["name"], s["due_at"])
                            for s in d["current_steps"])}


def replayed(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.get_json()
    m = r.get_json()
    assert m["first_divergence"] is None, m["first_divergence"]
    return {"status": m["status"], "data": m["data"], "due_at": m["due_at"],
            "warn_at": m["warn_at"], "timeliness": m["timeliness"], "paused": m["paused"],
            "pause_count": m["pause_count"], "process_version": m["process_version"],
            "new_appointment_at": m["new_appointment_at"],
            "steps": sorted((s["element_id"], s["name"], s["due_at"])
                            for s in m["current_steps"])}


def intact(world: World, code: str) -> dict[str, Any]:
    body = verify(world, code).get_json()
    assert body["intact"] is True, body
    assert body["chain"]["intact"] and body["anchors"]["intact"], body
    assert body["reexecution"]["intact"] and body["first_divergence"] is None, body
    return body


class Moments:
    """After each command: the history's length and what the API showed then."""

    def __init__(self, world: World, code: str) -> None:
        self.world, self.code = world, code
        self.seen: list[tuple[int, dict[str, Any]]] = []
        self.take()

    def take(self) -> dict[str, Any]:
        d = dossier(self.world, self.code)
        self.seen.append((len(history(self.world, self.code)), seen(d)))
        return d

    def check(self) -> None:
        for seq, shown in self.seen:
            assert replayed(replay(self.world, self.code, seq)) == shown, seq


# -- every scenario of the catalogue ---------------------------------------------------

@pytest.mark.parametrize(("bpmn", "scenario"), CASES)
def test_replay_reproduces_every_recorded_state_of_a_scenario(
        clocked: tuple[World, ManualClock], bpmn: Path, scenario: dict[str, Any]) -> None:
    world, clock = clocked
    forms = _property_values(bpmn, "formJsonSchemaFilename")
    assert world.deploy(bpmn, [FORMS / f for f in forms]).status_code == 201
    procedure = json.loads(bpmn.with_suffix(".procedure.json").read_text(encoding="utf-8"))
    r = world.client.put(f"/api/v1/procedures/{procedure['code']}",
                         json={k: v for k, v in procedure.items() if k != "code"},
                         headers=world.headers("designer"))
    assert r.status_code == 201, r.get_json()
    units: dict[str, str] = {}
    steps = [_with_units(world, units, s) for s in scenario["steps"]]
    applicant = scenario.get("applicant", {})
    channel = applicant.get("channel") if applicant.get("channel") in CHANNELS else "online"
    r = world.client.post("/api/v1/dossiers", json={
        "process_key": bpmn.stem, "applicant": applicant, "data": scenario["data"],
        "channel": channel}, headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    moments = Moments(world, code)
    for index, s in enumerate(steps):
        clock.advance(timedelta(hours=5, minutes=index))  # across days, nights, a weekend
        if "message" in s:
            assert _deliver(world, code, s["message"], s["data"]).status_code == 200
        elif "withdraw" in s:  # the applicant withdraws where the dossier stands (form 05)
            assert world.client.post(f"/api/v1/dossiers/{code}/withdraw",
                                     json={"reason": s["withdraw"]},
                                     headers=world.headers("client")).status_code == 200
        else:
            d = dossier(world, code)
            task_id = step(d, s["task"])["task_id"]
            assert complete(world, task_id, s["data"]).status_code == 200
        moments.take()
    body = intact(world, code)
    moving = [s for s in steps if "withdraw" not in s]  # a withdrawal leaves no digest
    assert body["reexecution"]["steps_compared"] > len(moving)
    assert body["reexecution"]["digests_compared"] == len(moving) + 1
    moments.check()


# -- versions, timers, endings ------------------------------------------------------------

def test_a_dossier_started_on_version_1_verifies_after_version_2_is_deployed(
        two_steps: World) -> None:
    world = two_steps
    old = started(world)["code"]
    assert complete(world, step(dossier(world, old), "receive")["task_id"],
                    {"copies": 2}).status_code == 200
    changed = TWO_STEPS.read_bytes().replace(b'decision == "approve"',
                                             b'decision in ("approve", "refuse")')
    r = post_bpmn(world, changed, two_steps_forms())
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()
    new = started(world)["code"]
    for code in (old, new):
        d = dossier(world, code)
        assert complete(world, step(d, d["current_steps"][0]["element_id"])["task_id"],
                        {"copies": 1} if d["current_steps"][0]["element_id"] == "receive"
                        else {"decision": "refuse"}).status_code == 200
    assert dossier(world, old)["end_event"] == "refused"  # as version 1 decides
    assert complete(world, step(dossier(world, new), "appraise")["task_id"],
                    {"decision": "refuse"}).status_code == 200
    assert dossier(world, new)["end_event"] == "approved"  # as version 2 decides
    assert dossier(world, old)["process_version"] == 1
    intact(world, old)
    intact(world, new)
    assert replay(world, old, 1).get_json()["process_version"] == 1


def test_timers_fired_at_their_recorded_instants_are_fired_again(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "intermediate_timers.bpmn")
    d = _start(w, "c_intermediate_timers")
    code = d["code"]
    moments = Moments(w, code)
    clock.set(MONDAY_8AM + timedelta(minutes=30))
    _do(w, d, "receive", {"copies": 1})
    moments.take()
    _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2, minutes=31), code)
    moments.take()
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(days=3, hours=1), code)
    moments.take()
    _do(w, d, "return_result", {"received_by": "Nguyễn Văn A"})
    moments.take()
    body = intact(w, code)
    assert body["reexecution"]["digests_compared"] == 5
    moments.check()


def test_a_boundary_timer_and_a_withdrawal_verify(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    code = _start(w, "c_boundary_timer")["code"]
    _wake_at(w, clock, MONDAY_8AM + timedelta(hours=1, minutes=1), code)
    r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", json={"reason": "Rút hồ sơ"},
                      headers=w.headers("client"))
    assert r.status_code == 200, r.get_json()
    intact(w, code)
    events = history(w, code)
    last = replay(w, code, len(events)).get_json()
    assert last["status"] == "withdrawn" and last["current_steps"] == []
    before = replay(w, code, len(events) - 2).get_json()
    assert [s["element_id"] for s in before["current_steps"]] == ["leader_appraise"]


def test_seq_out_of_range_is_refused_naming_it(two_steps: World) -> None:
    code = started(two_steps)["code"]
    count = len(history(two_steps, code))
    for seq in (0, count + 1, -1):
        body = assert_problem(replay(two_steps, code, seq), 422, "invalid-input")
        assert body["errors"][0]["field"] == "seq", body
    assert replay(two_steps, code, "x").status_code == 422
    assert replay(two_steps, code, 1, who="designer").status_code == 403
    assert replay(two_steps, code, count).status_code == 200
    m = replay(two_steps, code, 1).get_json()
    assert m["through_seq"] == count  # the reception's command wrote every event so far
    assert [s["element_id"] for s in m["current_steps"]] == ["receive"]


# -- an attacker who re-seals the chain ------------------------------------------------

def _reseal(world: World, code: str, change: Any) -> None:
    """Apply `change(kind, payload) -> payload` to every event, recompute every hash from
    the first event on and move the dossier's head: the chain proves itself again."""
    with world.ctx.uow(readonly=True) as uow:
        found = uow.repo.dossier(world.province, code)
        events = [(e.id, e.seq, e.at, e.kind, e.actor_id, e.element_id, e.task_id,
                   copy.deepcopy(e.payload)) for e in uow.repo.history(found.id)]
    with triggers_set_aside(world) as conn:
        prev = GENESIS
        for row_id, seq, at, kind, actor_id, element_id, task_id, payload in events:
            payload = change(kind, payload)
            digest = event_hash(prev, seq, at, kind, actor_id, element_id, task_id, payload)
            conn.execute(text("UPDATE history_events SET payload = :p, prev_hash = :ph, "
                              "hash = :h WHERE id = :i"),
                         {"p": json.dumps(payload, ensure_ascii=False), "ph": prev,
                          "h": digest, "i": row_id})
            prev = digest
        conn.execute(text("UPDATE dossiers SET history_head = :h WHERE id = :d"),
                     {"h": prev, "d": dossier_id(conn, code)})


def _alter_copies(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    if kind == "task.completed" and "copies" in payload.get("data", {}):
        payload["data"]["copies"] = 9
    return payload


def _drop_digests(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    payload.pop("after", None)
    return payload


def _moved(world: World) -> tuple[str, int]:
    code = started(world)["code"]
    assert complete(world, step(dossier(world, code), "receive")["task_id"],
                    {"copies": 2}).status_code == 200
    seq = next(e["seq"] for e in history(world, code) if e["kind"] == "task.completed")
    return code, seq


@pytest.mark.parametrize("digests", [True, False], ids=["digests", "older-record"])
def test_task_data_altered_and_the_chain_resealed_is_caught_by_re_execution(
        two_steps: World, digests: bool) -> None:
    world = two_steps
    code, seq = _moved(world)
    if not digests:  # a record written before digests: compared on what it has
        _reseal(world, code, _drop_digests)
        assert intact(world, code)["reexecution"]["digests_compared"] == 0
    _reseal(world, code, _alter_copies)
    body = verify(world, code).get_json()
    assert body["chain"]["intact"] is True, body  # the chain proves itself again
    assert body["intact"] is False
    found = body["reexecution"]["first_divergence"]
    assert body["first_divergence"] == found
    if digests:
        assert found["seq"] == seq, found
        assert "other data" in found["reason"]
    else:
        assert "other data than the dossier's stored state" in found["reason"], found


def test_the_command_line_re_executes_as_the_api_does(
        two_steps: World, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A re-sealed chain passes the chain check; `motcua history verify` still names the
    dossier, for the province and for the one dossier, as GET .../history/verify does."""
    from api.cli import main

    world = two_steps
    (code, seq), (other, _) = _moved(world), _moved(world)
    _reseal(world, code, _alter_copies)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    # (the chains prove themselves: only re-execution, asked for or with --code, sees it)
    assert main(["history", "verify", "--province", world.province]) == 0
    assert f"{code}: intact" in capsys.readouterr().out
    for args in (["--province", world.province, "--reexecute"], ["--code", code]):
        assert main(["history", "verify", *args]) == 1
        out = capsys.readouterr().out
        line = next(x for x in out.splitlines() if f" {code}: " in x)
        assert f"{code}: re-execution event {seq}: " in line and "other data" in line, out
        assert "chain" not in line
        if args[0] == "--province":
            assert f"{other}: intact" in out
    assert main(["history", "verify", "--code", other]) == 0


def test_a_recorded_step_removed_and_resealed_is_caught(two_steps: World) -> None:
    world = two_steps
    code, seq = _moved(world)
    with triggers_set_aside(world) as conn:
        conn.execute(text("UPDATE history_events SET element_id = 'appraised_quickly' "
                          "WHERE dossier_id = :d AND seq = :s"),
                     {"d": dossier_id(conn, code), "s": seq + 1})
    _reseal(world, code, lambda kind, payload: payload)
    body = verify(world, code).get_json()
    assert body["chain"]["intact"] and not body["intact"]
    assert body["first_divergence"]["seq"] == seq + 1, body
    assert body["first_divergence"]["found"] == "receive completed"


def test_replay_shows_a_divergence_met_before_seq(two_steps: World) -> None:
    world = two_steps
    code, seq = _moved(world)
    _reseal(world, code, _alter_copies)
    m = replay(world, code, len(history(world, code))).get_json()
    assert m["first_divergence"]["seq"] == seq
    assert replayed(replay(world, code, 1))["steps"][0][0] == "receive"
    assert TWO_STEPS_FORMS  # the forms deployed by the fixture


def test_a_due_instant_moved_and_resealed_is_caught(two_steps: World) -> None:
    world = two_steps
    r = world.client.put("/api/v1/procedures/two-steps", json={
        "name": "Hai bước", "process_key": "two_steps", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]},
        headers=world.headers("designer"))
    assert r.status_code == 201, r.get_json()
    code = started(world)["code"]
    intact(world, code)
    seq = next(e["seq"] for e in history(world, code) if e["kind"] == "clock.started")

    def later(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        if kind == "clock.started":
            payload["due_at"] = "2099-01-01T00:00:00+00:00"
        return payload

    _reseal(world, code, later)
    body = verify(world, code).get_json()
    assert body["chain"]["intact"] and not body["intact"], body
    assert body["first_divergence"]["seq"] == seq
    assert "another due instant" in body["first_divergence"]["reason"]
