"""Scenarios before going live: uploaded with a diagram, they run in memory on the candidate
(simulated clock, step and time budgets); a failing one refuses the deployment unless forced,
and the answer names each scenario, its path and its first difference."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.api.deployments import (
    API,
    HKD,
    HKD_SCENARIOS,
    broken_scenarios,
    hkd_forms,
    upload,
)
from tests.api.helpers import assert_problem
from tests.conftest import World, make_world


def test_passing_scenarios_deploy_and_each_is_listed(world: World) -> None:
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=HKD_SCENARIOS)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [s["name"] for s in body["scenarios"]] == [s["name"] for s in HKD_SCENARIOS]
    assert all(s["passed"] and s["difference"] is None for s in body["scenarios"])
    refused = body["scenarios"][2]
    assert refused["path"] == ["start_received", "reception", "gw_reception_decision",
                               "refused"]
    assert body["status"] == "active"


def test_a_failing_scenario_refuses_the_deployment_naming_it(world: World) -> None:
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=broken_scenarios())
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
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=broken_scenarios(),
                **({"query": {"force": "true"}} if how == "query" else
                   {"form": {"force": "true"}}))
    assert r.status_code == 201, r.get_json()
    results = {s["name"]: s for s in r.get_json()["scenarios"]}
    assert not results["refused_at_reception"]["passed"]
    assert results["refused_at_reception"]["difference"]["at"] == "expect/end_event"
    assert all(s["passed"] for n, s in results.items() if n != "refused_at_reception")
    assert r.get_json()["version"] == 1 and r.get_json()["status"] == "active"


def test_validate_lists_each_scenario_and_stores_nothing(world: World) -> None:
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=broken_scenarios(),
                path=f"{API}/validate")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["valid"] is False
    assert [s["passed"] for s in body["scenarios"]] == [True, True, False, True, True, True]
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=HKD_SCENARIOS,
                path=f"{API}/validate")
    assert r.get_json()["valid"] is True
    assert world.client.get(API, headers=world.headers("auditor")).get_json() == []


def test_the_first_difference_of_a_wrong_step(world: World) -> None:
    scenarios = copy.deepcopy(HKD_SCENARIOS[:1])
    scenarios[0]["steps"][1]["task"] = "approval"  # appraisal comes first
    bad_data = copy.deepcopy(HKD_SCENARIOS[:1])
    bad_data[0]["name"] = "bad_data"
    bad_data[0]["steps"][1]["data"]["appraisal_decision"] = "maybe"
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=scenarios + bad_data,
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
    r = upload(world, HKD.read_bytes(), hkd_forms(), scenarios=scenarios)
    body = assert_problem(r, 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"scenarios/0/steps/0",
                                                     "scenarios/1/expect"}
    body = assert_problem(upload(world, HKD.read_bytes(), hkd_forms(), scenarios=b"[{"),
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
        r = upload(w, LOOP.replace("LIMIT", "5").encode(), {}, scenarios=many,
                    path=f"{API}/validate")
        results = r.get_json()["scenarios"]
        # each takes 14 steps (start, 6 times count and again, done): the third would
        # pass the total of 35
        assert [s["steps"] for s in results[:2]] == [14, 14]
        assert [s["passed"] for s in results] == [True, True, False], results
        assert "whole budget of 35" in results[2]["difference"]["message"]
        r = upload(w, LOOP.replace("LIMIT", "1000").encode(), {}, scenarios=[scenario],
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
        r = upload(w, LOOP.replace("LIMIT", "10**9").encode(), {},
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
    r = upload(world, (CONSTRUCTS / "boundary_timer.bpmn").read_bytes(), {},
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
    r = upload(world, (CONSTRUCTS / "reminder_timer.bpmn").read_bytes(), {},
                scenarios=remind, path=f"{API}/validate")
    reminded, not_reminded = r.get_json()["scenarios"]
    assert reminded["passed"], reminded
    assert "send_reminder" in reminded["path"]
    assert not_reminded["difference"] == {
        "at": "expect/data/reminder_sent", "message": "reminder_sent is not set",
        "expected": True}
