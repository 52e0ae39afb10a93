"""Process versions before and after they go live: scenarios refuse a deployment that breaks
them, one version per process is active (rollback, retirement), and what changed between
two versions of a shipped process."""
from __future__ import annotations

import copy
import io
import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    complete,
    dossier,
    started,
    step,
    two_steps_forms,
)
from tests.conftest import World, make_world

API = "/api/v1/process-definitions"
ROOT = Path(__file__).resolve().parents[2]
HKD = ROOT / "processes" / "household_business_registration.bpmn"
HKD_SCENARIOS = json.loads(HKD.with_suffix(".scenarios.json").read_text(encoding="utf-8"))


def _hkd_forms() -> dict[str, bytes]:
    names = set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"',
                           HKD.read_text(encoding="utf-8")))
    return {n: (ROOT / "forms" / n).read_bytes() for n in names}


def _upload(world: World, xml: bytes, forms: dict[str, bytes], *,
            scenarios: Any = None, path: str = API, form: dict[str, str] | None = None,
            query: dict[str, str] | None = None) -> Any:
    data: dict[str, Any] = {"bpmn": (io.BytesIO(xml), "diagram.bpmn"),
                            "forms": [(io.BytesIO(b), n) for n, b in forms.items()],
                            **(form or {})}
    if scenarios is not None:
        raw = scenarios if isinstance(scenarios, bytes) else json.dumps(scenarios).encode()
        data["scenarios"] = (io.BytesIO(raw), "x.scenarios.json")
    return world.client.post(path, data=data, query_string=query or {},
                             headers=world.headers("designer"),
                             content_type="multipart/form-data")


def _two_steps(**replace: str) -> bytes:
    xml = TWO_STEPS.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def _broken_scenarios() -> list[dict[str, Any]]:
    """The shipped scenarios, the third expecting an end the diagram does not reach."""
    scenarios = copy.deepcopy(HKD_SCENARIOS)
    scenarios[2]["expect"]["end_event"] = "result_returned"
    return scenarios


def _versions(world: World, key: str) -> list[dict[str, Any]]:
    r = world.client.get(f"{API}/{key}", headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())


# -- scenarios before going live ---------------------------------------------------------

def test_passing_scenarios_deploy_and_each_is_listed(world: World) -> None:
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=HKD_SCENARIOS)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [s["name"] for s in body["scenarios"]] == [s["name"] for s in HKD_SCENARIOS]
    assert all(s["passed"] and s["difference"] is None for s in body["scenarios"])
    refused = body["scenarios"][2]
    assert refused["path"] == ["start_received", "reception", "gw_reception_decision",
                               "refused"]
    assert body["status"] == "active"


def test_a_failing_scenario_refuses_the_deployment_naming_it(world: World) -> None:
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=_broken_scenarios())
    body = assert_problem(r, 422, "scenarios-failed")
    [error] = body["errors"]
    assert error["scenario"] == "refused_at_reception"
    assert error["difference"]["at"] == "expect/end_event"
    assert error["difference"]["expected"] == "result_returned"
    assert error["difference"]["actual"] == ["refused"]
    assert error["path"][-1] == "refused"
    assert "refused_at_reception" in error["message"]
    # nothing was stored
    r = world.client.get(f"{API}/household_business_registration",
                         headers=world.headers("auditor"))
    assert_problem(r, 404, "not-found")


@pytest.mark.parametrize("how", ["query", "form"])
def test_force_deploys_despite_a_failing_scenario(world: World, how: str) -> None:
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=_broken_scenarios(),
                **({"query": {"force": "true"}} if how == "query" else
                   {"form": {"force": "true"}}))
    assert r.status_code == 201, r.get_json()
    results = {s["name"]: s for s in r.get_json()["scenarios"]}
    assert not results["refused_at_reception"]["passed"]
    assert results["refused_at_reception"]["difference"]["at"] == "expect/end_event"
    assert all(s["passed"] for n, s in results.items() if n != "refused_at_reception")
    assert r.get_json()["version"] == 1 and r.get_json()["status"] == "active"


def test_validate_lists_each_scenario_and_stores_nothing(world: World) -> None:
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=_broken_scenarios(),
                path=f"{API}/validate")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["valid"] is False
    assert [s["passed"] for s in body["scenarios"]] == [True, True, False, True, True, True]
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=HKD_SCENARIOS,
                path=f"{API}/validate")
    assert r.get_json()["valid"] is True
    assert world.client.get(API, headers=world.headers("auditor")).get_json() == []


def test_the_first_difference_of_a_wrong_step(world: World) -> None:
    scenarios = copy.deepcopy(HKD_SCENARIOS[:1])
    scenarios[0]["steps"][1]["task"] = "approval"  # appraisal comes first
    bad_data = copy.deepcopy(HKD_SCENARIOS[:1])
    bad_data[0]["name"] = "bad_data"
    bad_data[0]["steps"][1]["data"]["appraisal_decision"] = "maybe"
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=scenarios + bad_data,
                path=f"{API}/validate")
    first, second = r.get_json()["scenarios"]
    assert first["difference"]["at"] == "steps/1"
    assert first["difference"]["expected"] == "approval"
    assert first["difference"]["actual"] == ["appraisal"]
    assert first["path"] == ["start_received", "reception", "gw_reception_decision",
                             "accepted"]
    assert second["difference"]["at"] == "steps/1/data"
    assert second["difference"]["errors"][0]["field"] == "/appraisal_decision"


def test_a_malformed_scenarios_file_is_refused_naming_the_place(world: World) -> None:
    scenarios = copy.deepcopy(HKD_SCENARIOS[:2])
    del scenarios[1]["expect"]["finished"]
    scenarios[0]["steps"][0] = {"task": "reception", "wait": "P1D"}
    r = _upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=scenarios)
    body = assert_problem(r, 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"scenarios/0/steps/0",
                                                     "scenarios/1/expect"}
    body = assert_problem(_upload(world, HKD.read_bytes(), _hkd_forms(), scenarios=b"[{"),
                          422, "invalid-input")
    assert body["errors"][0]["field"] == "scenarios"


LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="loop" name="Loop" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="count" name="Count"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f3"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="count"/>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="done">
      <bpmn:conditionExpression>n &gt; LIMIT</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def test_step_budgets_stop_a_loop(db_url: str) -> None:
    w = make_world(db_url, scenario_step_limit=20, scenarios_step_limit=35)
    try:
        scenario = {"name": "ends", "data": {"n": 0}, "steps": [],
                    "expect": {"finished": True, "end_event": "done"}}
        many = [dict(scenario, name=f"s{i}") for i in range(3)]
        r = _upload(w, LOOP.replace("LIMIT", "5").encode(), {}, scenarios=many,
                    path=f"{API}/validate")
        results = r.get_json()["scenarios"]
        # each takes 14 steps (start, 6 times count and again, done): the third would
        # pass the total of 35
        assert [s["steps"] for s in results[:2]] == [14, 14]
        assert [s["passed"] for s in results] == [True, True, False], results
        assert "whole budget of 35" in results[2]["difference"]["message"]
        r = _upload(w, LOOP.replace("LIMIT", "1000").encode(), {}, scenarios=[scenario],
                    path=f"{API}/validate")
        [endless] = r.get_json()["scenarios"]
        assert not endless["passed"]
        assert "more than 20 engine steps" in endless["difference"]["message"]
        assert endless["steps"] == 21
    finally:
        w.ctx.db_engine.dispose()


def test_the_time_of_all_scenarios_is_bounded(db_url: str) -> None:
    """A loop no step budget stops (budgets set high) is stopped by the scenarios' time."""
    w = make_world(db_url, scenario_step_limit=10**6, scenarios_step_limit=10**7,
                   scenarios_time_limit=0.5)
    try:
        scenario = {"name": "endless", "data": {"n": 0}, "steps": [],
                    "expect": {"finished": True}}
        r = _upload(w, LOOP.replace("LIMIT", "10**9").encode(), {},
                    scenarios=[scenario, dict(scenario, name="next")], path=f"{API}/validate")
        first, second = r.get_json()["scenarios"]
        assert first["difference"]["message"] == (
            "stopped: the scenarios together ran for their whole 0.5 s "
            "(MOTCUA_SCENARIOS_TIME_LIMIT)")
        assert first["steps"] > 0
        assert second["difference"]["message"].startswith("not run: ")
        assert not first["passed"] and not second["passed"]
    finally:
        w.ctx.db_engine.dispose()


CONSTRUCTS = Path(__file__).resolve().parent / "data" / "constructs"


def test_timers_fire_on_the_simulated_clock(world: World) -> None:
    """A step waiting for a task a timer leads to lets time pass to that timer; a wait step
    moves the clock on: no scenario waits in real time."""
    escalate = [
        {"name": "escalated", "steps": [{"task": "leader_appraise", "data": {}}],
         "expect": {"finished": True, "end_event": "escalated_end",
                    "data": {"escalated": True}}},
        {"name": "in_time", "steps": [{"task": "appraise", "data": {}}],
         "expect": {"finished": True, "end_event": "appraised", "data_absent": ["escalated"]}},
    ]
    r = _upload(world, (CONSTRUCTS / "boundary_timer.bpmn").read_bytes(), {},
                scenarios=escalate, path=f"{API}/validate")
    results = r.get_json()["scenarios"]
    assert [s["passed"] for s in results] == [True, True], results
    assert results[0]["path"] == ["start", "too_slow", "mark_escalated", "leader_appraise",
                                  "escalated_end"]
    remind = [
        {"name": "reminded", "steps": [{"wait": "PT2H"}, {"task": "appraise", "data": {}}],
         "expect": {"finished": True, "data": {"reminder_sent": True}}},
        {"name": "not_reminded", "steps": [{"wait": "PT30M"}, {"task": "appraise", "data": {}}],
         "expect": {"finished": True, "data": {"reminder_sent": True}}},
    ]
    r = _upload(world, (CONSTRUCTS / "reminder_timer.bpmn").read_bytes(), {},
                scenarios=remind, path=f"{API}/validate")
    reminded, not_reminded = r.get_json()["scenarios"]
    assert reminded["passed"], reminded
    assert "send_reminder" in reminded["path"]
    assert not_reminded["difference"] == {
        "at": "expect/data/reminder_sent", "message": "reminder_sent is not set",
        "expected": True}


# -- the life cycle ----------------------------------------------------------------------

def _deploy_two(world: World, *, activate: str | None = None) -> Any:
    """two_steps version 2: the fee doubled."""
    return _upload(world, _two_steps(**{"100000 * copies": "200000 * copies"}),
                   two_steps_forms(), form={"activate": activate} if activate else None)


def _finish(world: World, code: str) -> dict[str, Any]:
    d = dossier(world, code)
    assert complete(world, step(d, "receive")["task_id"], {"copies": 1}).status_code == 200
    d = dossier(world, code)
    assert complete(world, step(d, "appraise")["task_id"],
                    {"decision": "approve"}).status_code == 200
    return dossier(world, code)


def test_rollback_starts_new_dossiers_on_version_one(world: World) -> None:
    assert _upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = _deploy_two(world)
    assert r.status_code == 201 and r.get_json()["status"] == "active"
    assert [v["status"] for v in _versions(world, "two_steps")] == ["retired", "active"]
    on_two = started(world)
    assert on_two["process_version"] == 2

    r = world.client.post(f"{API}/two_steps/versions/1/activate",
                          headers=world.headers("designer"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "active"
    assert [v["status"] for v in _versions(world, "two_steps")] == ["active", "retired"]
    on_one = started(world)
    assert on_one["process_version"] == 1

    # each dossier continues on its own version
    assert _finish(world, on_two["code"])["data"]["fee"] == 200000
    assert _finish(world, on_one["code"])["data"]["fee"] == 100000
    assert dossier(world, on_two["code"])["process_version"] == 2

    one = world.client.get(f"{API}/two_steps/versions/1",
                           headers=world.headers("auditor")).get_json()
    moves = [(t["from_status"], t["to_status"], t["by_name"]) for t in one["transitions"]]
    assert moves == [(None, "active", "designer"), ("active", "retired", "designer"),
                     ("retired", "active", "designer")]
    assert one["transitions"][1]["reason"] == "version 2 activated"
    two = _versions(world, "two_steps")[1]
    assert [(t["from_status"], t["to_status"]) for t in two["transitions"]] == [
        (None, "active"), ("active", "retired")]


def test_retiring_the_active_version_stops_intake(world: World) -> None:
    assert _upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    before = started(world)
    r = world.client.post(f"{API}/two_steps/versions/1/retire",
                          headers=world.headers("designer"))
    assert r.status_code == 200 and r.get_json()["status"] == "retired"
    body = assert_problem(started_raw(world), 422, "no-active-version")
    assert body["errors"] == [{"field": "process_key",
                               "message": "two_steps: no active version"}]
    assert "two_steps" in body["detail"]
    # the dossier started before continues on its version
    assert _finish(world, before["code"])["status"] == "finished"
    # said again, it is the same; a version that does not exist is not found
    again = world.client.post(f"{API}/two_steps/versions/1/retire",
                              headers=world.headers("designer"))
    assert again.status_code == 200
    assert len(again.get_json()["transitions"]) == 2
    assert_problem(world.client.post(f"{API}/two_steps/versions/9/retire",
                                     headers=world.headers("designer")), 404, "not-found")
    assert_problem(world.client.post(f"{API}/two_steps/versions/1/activate",
                                     headers=world.headers("officer")), 403, "forbidden")
    # activating it again lets dossiers start
    assert world.client.post(f"{API}/two_steps/versions/1/activate",
                             headers=world.headers("designer")).status_code == 200
    assert started(world)["process_version"] == 1


def started_raw(world: World) -> Any:
    return world.client.post("/api/v1/dossiers", json={
        "process_key": "two_steps", "applicant": {"name": "Nguyễn Văn A"}, "data": {}},
        headers=world.headers("client"))


def test_a_draft_waits_for_its_activation(world: World) -> None:
    assert _upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = _deploy_two(world, activate="false")
    assert r.status_code == 201 and r.get_json()["status"] == "draft"
    assert started(world)["process_version"] == 1
    r = world.client.post(f"{API}/two_steps/versions/2/activate",
                          headers=world.headers("designer"))
    assert [(t["from_status"], t["to_status"]) for t in r.get_json()["transitions"]] == [
        (None, "draft"), ("draft", "active")]
    assert started(world)["process_version"] == 2


def test_an_identical_upload_keeps_states_unless_asked(world: World) -> None:
    assert _upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    assert _deploy_two(world).status_code == 201
    assert world.client.post(f"{API}/two_steps/versions/1/activate",
                             headers=world.headers("designer")).status_code == 200
    again = _deploy_two(world)
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert (again.get_json()["version"], again.get_json()["status"]) == (2, "retired")
    assert started(world)["process_version"] == 1
    asked = _deploy_two(world, activate="true")
    assert asked.status_code == 200 and asked.get_json()["status"] == "active"
    assert started(world)["process_version"] == 2
    assert [v["status"] for v in _versions(world, "two_steps")] == ["retired", "active"]
    bad = _deploy_two(world, activate="perhaps")
    assert assert_problem(bad, 422, "invalid-input")["errors"][0]["field"] == "activate"


def test_concurrent_activations_leave_one_active_version(world: World) -> None:
    assert _upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    assert _deploy_two(world).status_code == 201
    statuses: list[int] = []

    def activate(version: int) -> None:
        client = world.app.test_client()
        for _ in range(5):
            r = client.post(f"{API}/two_steps/versions/{version}/activate",
                            headers=world.headers("designer"))
            statuses.append(r.status_code)

    threads = [threading.Thread(target=activate, args=(v,)) for v in (1, 2, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) == {200}, statuses
    found = _versions(world, "two_steps")
    assert [v["status"] for v in found].count("active") == 1
    # the record agrees with the states: each version's last change led to its state
    for v in found:
        assert v["transitions"][-1]["to_status"] == v["status"]
        for before, after in zip(v["transitions"], v["transitions"][1:], strict=False):
            assert after["from_status"] == before["to_status"], v["transitions"]


# -- the diff ----------------------------------------------------------------------------

LEGAL_CHECK = (
    '<bpmn:sequenceFlow id="flow_appraisal_to_check" sourceRef="appraisal" '
    'targetRef="legal_check" />'
    '<bpmn:userTask id="legal_check" name="Legal check">'
    '<bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formJsonSchemaFilename" value="hkd-review.json" />'
    '<spiffworkflow:property name="position" value="specialist" />'
    '</spiffworkflow:properties></bpmn:extensionElements>'
    '<bpmn:incoming>flow_appraisal_to_check</bpmn:incoming>'
    '<bpmn:outgoing>flow_check_to_review</bpmn:outgoing></bpmn:userTask>'
    '<bpmn:sequenceFlow id="flow_check_to_review" sourceRef="legal_check" '
    'targetRef="review" />')


def test_diff_of_two_versions_of_a_shipped_process(world: World) -> None:
    forms = _hkd_forms()
    assert _upload(world, HKD.read_bytes(), forms).status_code == 201
    xml = HKD.read_text(encoding="utf-8")
    xml = xml.replace('reception_decision == "refuse"', 'reception_decision in ("refuse", "x")')
    old_flow = ('<bpmn:sequenceFlow id="flow_appraisal_to_review" sourceRef="appraisal" '
                'targetRef="review" />')
    assert old_flow in xml
    xml = xml.replace(old_flow, LEGAL_CHECK)
    appraisal = json.loads(forms["hkd-appraisal.json"])
    appraisal["required"].append("comment")
    appraisal["properties"]["risk_level"] = {"type": "string", "enum": ["low", "high"]}
    del appraisal["properties"]["draft_result"]
    appraisal["required"].remove("draft_result")
    changed_forms = {**forms, "hkd-appraisal.json": json.dumps(appraisal).encode()}
    r = _upload(world, xml.encode("utf-8"), changed_forms)
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()

    r = world.client.get(f"{API}/household_business_registration/versions/1/diff/2",
                         headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    diff = r.get_json()
    assert (diff["base"], diff["other"]) == (1, 2)
    added = {e["id"]: e for e in diff["added"]}
    assert set(added) == {"legal_check", "flow_appraisal_to_check", "flow_check_to_review"}
    assert added["legal_check"]["type"] == "UserTask"
    assert [e["id"] for e in diff["removed"]] == ["flow_appraisal_to_review"]
    changed = {e["id"]: e for e in diff["changed"]}
    assert changed["flow_reception_refuse"]["attributes"] == ["condition"]
    assert changed["flow_reception_refuse"]["details"]["condition"] == {
        "from": 'reception_decision == "refuse"', "to": 'reception_decision in ("refuse", "x")'}
    assert changed["gw_reception_decision"]["attributes"] == ["conditions"]
    assert changed["gw_reception_decision"]["details"]["conditions"]["to"] == {
        "refused": 'reception_decision in ("refuse", "x")'}
    assert changed["appraisal"]["attributes"] == ["outgoing"]
    assert changed["review"]["attributes"] == ["incoming"]
    assert set(changed) == {"flow_reception_refuse", "gw_reception_decision", "appraisal",
                            "review"}
    [form] = diff["forms"]["changed"]
    assert form == {"form": "hkd-appraisal.json", "fields_added": ["risk_level"],
                    "fields_removed": ["draft_result"], "made_required": ["comment"],
                    "made_optional": [], "fields_changed": []}
    assert diff["forms"]["added"] == diff["forms"]["removed"] == []

    back = world.client.get(f"{API}/household_business_registration/versions/2/diff/1",
                            headers=world.headers("auditor")).get_json()
    assert {e["id"] for e in back["removed"]} == set(added)
    assert back["forms"]["changed"][0]["made_optional"] == ["comment"]
    same = world.client.get(f"{API}/household_business_registration/versions/2/diff/2",
                            headers=world.headers("auditor")).get_json()
    assert same["added"] == same["removed"] == same["changed"] == []
    assert_problem(world.client.get(f"{API}/household_business_registration/versions/1/diff/3",
                                    headers=world.headers("auditor")), 404, "not-found")
