"""The path a replay marks on the diagram: GET /dossiers/{code}/replay?seq=N names the
elements the record says ran up to event N (with how many times: a loop passes again), and the
elements the dossier waited at then."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from engine.clock import ManualClock
from tests.api.helpers import (
    API_DATA,
    complete,
    dossier,
    history,
    intake,
    post_bpmn,
    started,
    step,
)
from tests.api.test_replay import replay
from tests.conftest import World
from tests.processes.test_catalogue_api import FORMS, PROCESSES, _property_values, _with_units

JUDICIAL = PROCESSES / "judicial_record_certificate.bpmn"


def _scenario(name: str) -> dict[str, Any]:
    found = json.loads(JUDICIAL.with_suffix(".scenarios.json").read_text(encoding="utf-8"))
    scenarios = found["scenarios"] if isinstance(found, dict) else found
    return next(s for s in scenarios if s["name"] == name)


def _judicial(world: World) -> None:
    forms = _property_values(JUDICIAL, "formJsonSchemaFilename")
    assert world.deploy(JUDICIAL, [FORMS / f for f in forms]).status_code == 201
    procedure = json.loads(JUDICIAL.with_suffix(".procedure.json").read_text(encoding="utf-8"))
    r = world.client.put(f"/api/v1/procedures/{procedure['code']}",
                         json={k: v for k, v in procedure.items() if k != "code"},
                         headers=world.headers("designer"))
    assert r.status_code == 201, r.get_json()


def _marks(world: World, code: str, seq: int) -> dict[str, Any]:
    r = replay(world, code, seq)
    assert r.status_code == 200, r.get_json()
    m = r.get_json()
    return {"completed": m["completed_elements"], "active": m["active_elements"],
            "through": m["through_seq"]}


def test_a_loop_counts_its_passes_and_each_moment_marks_where_the_dossier_waited(
        clocked: tuple[World, ManualClock]) -> None:
    world, _ = clocked
    _judicial(world)
    scenario = _scenario("guidance_then_granted")
    units: dict[str, str] = {}
    r = world.client.post("/api/v1/dossiers", json={
        "process_key": "judicial_record_certificate", "applicant": scenario["applicant"],
        "data": scenario["data"], "channel": "desk"}, headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    for s in scenario["steps"][:3]:  # reception (guide), guidance, reception (accept)
        task = step(dossier(world, code), s["task"])
        assert complete(world, task["task_id"], _with_units(world, units, s["data"])
                        ).status_code == 200

    first = _marks(world, code, 1)
    assert first["completed"] == {"start_received": 1}, first
    assert first["active"] == ["reception"]

    events = history(world, code)
    done = [e["seq"] for e in events if e["kind"] == "task.completed"]
    after_guide = _marks(world, code, done[0])
    assert after_guide["completed"]["reception"] == 1
    assert after_guide["active"] == ["guidance"]
    assert "guidance" not in after_guide["completed"]

    last = _marks(world, code, len(events))
    assert last["completed"]["reception"] == 2  # the loop back through guidance
    assert last["completed"]["gw_reception_decision"] == 2
    assert last["completed"]["guidance"] == 1
    assert last["active"] == ["appraisal"], last
    # Exactly the recorded steps, counted.
    assert last["completed"] == dict(Counter(
        e["element_id"] for e in events if e["kind"] == "step.completed"))


def test_parallel_branches_and_a_message_awaited_are_active_and_an_end_waits_nowhere(
        two_steps: World) -> None:
    world = two_steps
    xml = (API_DATA / "fail_after_receive.bpmn").read_text(encoding="utf-8")
    r = post_bpmn(world, xml.replace("SCRIPT", "fee = 1").encode("utf-8"),
                  {"copies.json": (API_DATA / "copies.json").read_bytes()})
    assert r.status_code == 201, r.get_json()
    code = intake(world, "fail_after_receive").get_json()["code"]
    split = _marks(world, code, 1)
    assert split["active"] == ["check", "receive", "wait_paid"], split
    assert split["completed"] == {"start": 1, "split": 1}

    code = started(world)["code"]
    for element, data in (("receive", {"copies": 2}), ("appraise", {"decision": "approve"})):
        assert complete(world, step(dossier(world, code), element)["task_id"],
                        data).status_code == 200
    end = _marks(world, code, len(history(world, code)))
    assert end["active"] == []
    assert end["completed"] == {"start": 1, "receive": 1, "appraise": 1, "compute": 1,
                                "gw": 1, "approved": 1}, end
