"""The statutory clock through the API, with an injected clock (DOMAIN.md §4).

The household business registration starts its clock when reception accepts the dossier
(the event `accepted`, marked `startsClock`), so most tests here accept it first."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from tests.api.helpers import post_bpmn
from tests.conftest import World, make_world

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "processes" / "household_business_registration.bpmn"
PROCEDURE = json.loads((ROOT / "processes" / "household_business_registration.procedure.json")
                       .read_text(encoding="utf-8"))
VN = timezone(timedelta(hours=7))
FORMS = sorted((ROOT / "forms").glob("hkd-*.json"))
APPLICANT = {"type": "citizen", "name": "Nguyễn Thị Lan"}
DATA = {"household_name": "Phở Bà Lan", "owner_name": "Nguyễn Thị Lan",
        "owner_id_number": "001185012345", "business_address": "Yên Bình",
        "business_line": "Ăn uống", "capital_vnd": 150000000}
# Appraisal may wait for the applicant's supplement, with the clock paused (DOMAIN.md §3.6).
PAUSING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="with_pause" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="appraise" name="Appraise"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f5"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="receive_supplement" name="Record the supplement received">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="pausesClock" value="true"/>
        <spiffworkflow:property name="pauseReason" value="Chờ công dân bổ sung hồ sơ"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="appraise"/>
    <bpmn:sequenceFlow id="f2" sourceRef="appraise" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="receive_supplement">
      <bpmn:conditionExpression>decision == "supplement"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="receive_supplement" targetRef="appraise"/>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
STEP_DATA = {
    "reception": {"documents_checked": ["registration_request"], "reception_decision": "accept"},
    "appraisal": {"appraisal_decision": "propose_approve", "draft_result": "Cấp giấy"},
    "review": {"review_decision": "agree"},
    "approval": {"approval_decision": "approve"},
    "return_result": {"received_by": "Nguyễn Thị Lan", "channel": "desk"},
}


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(datetime(2026, 1, 5, 8, 0, tzinfo=VN))
    w = make_world(db_url, clock=clock)
    w.principal("reception", "officer", unit=w.unit, position="reception")
    w.principal("specialist", "officer", unit=w.unit, position="specialist")
    w.principal("head", "officer", unit=w.unit, position="head_of_department")
    w.principal("leader", "officer", unit=w.unit, position="leader")
    assert w.deploy(BPMN, FORMS).status_code == 201
    yield w, clock
    w.ctx.db_engine.dispose()


def _procedure(w: World, **rule: Any) -> None:
    body = json.loads(json.dumps(PROCEDURE))
    body.pop("code")
    body["rules"][0].update(rule)
    r = w.client.put("/api/v1/procedures/hkd", json=body, headers=w.headers("designer"))
    assert r.status_code in (200, 201), r.get_json()


def _intake(w: World, accept: bool = True) -> dict[str, Any]:
    """Submit a dossier and (`accept`) have reception accept it there and then: the clock
    starts at acceptance, not at submission."""
    r = w.client.post("/api/v1/dossiers", json={"process_key": "household_business_registration",
                      "applicant": APPLICANT, "data": DATA, "channel": "desk"},
                      headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()
    if not accept:
        return r.get_json()
    assert r.get_json()["due_at"] is None
    return _do(w, r.get_json()["code"], "reception", STEP_DATA["reception"])


def _pausing(w: World) -> str:
    """Deploy PAUSING with a 3-working-day procedure; submit a dossier (clock starts now)."""
    assert post_bpmn(w, PAUSING).status_code == 201
    r = w.client.put("/api/v1/procedures/pausing", json={
        "name": "Pausing", "process_key": "with_pause", "rules": [{
            "effective_from": "2026-01-01",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]},
        headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    r = w.client.post("/api/v1/dossiers", json={"process_key": "with_pause",
                      "applicant": APPLICANT, "channel": "desk"}, headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def _dossier(w: World, code: str) -> dict[str, Any]:
    return w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("auditor")).get_json()


def _do(w: World, code: str, who: str, data: dict[str, Any]) -> dict[str, Any]:
    task = _dossier(w, code)["current_steps"][0]["task_id"]
    r = w.client.post(f"/api/v1/tasks/{task}/complete", json={"data": data},
                      headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(VN)


def _kinds(w: World, code: str) -> list[str]:
    r = w.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                     headers=w.headers("auditor"))
    return [e["kind"] for e in r.get_json()["items"]]


def test_five_working_days_across_tet_2026(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w, limits={"default": {"value": 5, "unit": "working_days"}})
    clock.set(datetime(2026, 2, 13, 16, 30, tzinfo=VN))  # Friday before Tết
    d = _intake(w)
    # 0.5 h on Friday, Tết closes 16–20 Feb, 4 × 8 h on 23–26 Feb, 7.5 h on Friday 27.
    assert _at(d["due_at"]) == datetime(2026, 2, 27, 16, 30, tzinfo=VN)
    assert d["due_at_local"].startswith("2026-02-27T16:30:00+07:00")
    assert d["timeliness"] == "within_time" and d["procedure_code"] == "hkd"
    assert "clock.started" in _kinds(w, d["code"])


def test_rule_set_in_force_on_the_day_of_reception(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    body = json.loads(json.dumps(PROCEDURE))
    body.pop("code")
    body["rules"].append({"effective_from": "2026-03-01",
                          "limits": {"default": {"value": 2, "unit": "working_days"}}})
    assert w.client.put("/api/v1/procedures/hkd", json=body,
                        headers=w.headers("designer")).status_code == 201
    clock.set(datetime(2026, 2, 26, 8, 0, tzinfo=VN))  # Thursday: old rule, 3 days
    before = _intake(w)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))  # Monday: new rule, 2 days
    after = _intake(w)
    assert _at(before["due_at"]) == datetime(2026, 3, 3, 8, 0, tzinfo=VN)
    assert _at(after["due_at"]) == datetime(2026, 3, 4, 8, 0, tzinfo=VN)


def test_an_incomplete_dossier_at_reception_runs_no_clock_until_accepted(
        clocked: tuple[World, ManualClock]) -> None:
    """Incomplete at reception: written guidance to complete it, no clock and no pause
    (DOMAIN.md §3.2); the clock and form 01 start when reception accepts it."""
    w, clock = clocked
    _procedure(w)  # 3 working days
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))  # Monday 08:00
    code = _intake(w, accept=False)["code"]
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=VN))
    d = _do(w, code, "reception", {**STEP_DATA["reception"], "reception_decision": "supplement",
                                   "missing_documents": ["member_identity_papers"]})
    assert d["due_at"] is None and d["paused"] is False and d["pause_count"] == 0
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=VN))  # brought two working days later
    _do(w, code, "reception", {"supplement_documents": ["member_identity_papers"],
                               "supplement_channel": "desk"})
    d = _do(w, code, "reception", STEP_DATA["reception"])
    assert _at(d["due_at"]) == datetime(2026, 3, 9, 9, 0, tzinfo=VN)  # Wed 09:00 + 3 days
    assert d["pause_count"] == 0 and d["flags"] == []
    kinds = _kinds(w, code)
    assert kinds.count("clock.started") == 1 and "clock.paused" not in kinds
    r = w.client.get(f"/api/v1/dossiers/{code}/documents", headers=w.headers("reception"))
    assert [x["form"] for x in r.get_json()["documents"]] == ["01"]


def test_supplement_pause_moves_due_by_the_working_time_paused(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))  # Monday 08:00
    code = _pausing(w)  # 3 working days
    assert _at(_dossier(w, code)["due_at"]) == datetime(2026, 3, 5, 8, 0, tzinfo=VN)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=VN))
    paused = _do(w, code, "officer", {"decision": "supplement"})
    assert paused["paused"] is True and paused["pause_count"] == 1
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=VN))  # two working days later
    resumed = _do(w, code, "officer", {})
    assert resumed["paused"] is False
    assert resumed["paused_hours"] == pytest.approx(16.0)
    # Thursday 08:00 + 2 working days = Monday 9 March 08:00.
    assert _at(resumed["due_at"]) == datetime(2026, 3, 9, 8, 0, tzinfo=VN)
    kinds = _kinds(w, code)
    assert kinds.count("clock.paused") == 1 and kinds.count("clock.resumed") == 1
    assert resumed["flags"] == []


def test_second_supplement_request_is_flagged(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    code = _pausing(w)
    for hour in (9, 10):
        clock.set(datetime(2026, 3, 2, hour, 0, tzinfo=VN))
        _do(w, code, "officer", {"decision": "supplement"})
        clock.set(datetime(2026, 3, 2, hour, 30, tzinfo=VN))
        d = _do(w, code, "officer", {})
    assert d["pause_count"] == 2 and d["flags"] == ["repeated_supplement_request"]
    r = w.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                     headers=w.headers("auditor"))
    pauses = [e for e in r.get_json()["items"] if e["kind"] == "clock.paused"]
    assert [p["payload"]["repeated"] for p in pauses] == [False, True]
    assert all(p["payload"]["reason"] for p in pauses)


def test_approaching_and_overdue_are_recorded_once(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w)  # 3 working days, warning band 1 working day
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    code = _intake(w)["code"]
    d = _dossier(w, code)
    assert _at(d["warn_at"]) == datetime(2026, 3, 4, 8, 0, tzinfo=VN)
    clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=VN))
    sweep(w.ctx, inline=True)
    sweep(w.ctx, inline=True)
    assert _kinds(w, code).count("timeliness.approaching") == 1
    assert _dossier(w, code)["timeliness"] == "approaching"
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=VN))
    sweep(w.ctx, inline=True)
    sweep(w.ctx, inline=True)
    assert _kinds(w, code).count("timeliness.overdue") == 1
    listed = w.client.get("/api/v1/dossiers?timeliness=overdue", headers=w.headers("auditor"))
    assert [x["code"] for x in listed.get_json()["items"]] == [code]
    within = w.client.get("/api/v1/dossiers?timeliness=within_time", headers=w.headers("auditor"))
    assert within.get_json()["total"] == 0


def test_inbox_puts_overdue_first_and_filters(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    early = _intake(w, accept=False)["code"]
    # The reception budget is 4 working hours: 08:00 + 3.5 h + lunch + 0.5 h = 14:00.
    clock.set(datetime(2026, 3, 2, 14, 30, tzinfo=VN))
    late = _intake(w, accept=False)["code"]
    inbox = w.client.get("/api/v1/tasks", headers=w.headers("reception")).get_json()["items"]
    assert [t["dossier_code"] for t in inbox] == [early, late]
    assert [t["timeliness"] for t in inbox] == ["overdue", "within_time"]
    only = w.client.get("/api/v1/tasks?timeliness=overdue", headers=w.headers("reception"))
    assert [t["dossier_code"] for t in only.get_json()["items"]] == [early]


def test_finished_dossier_is_classified(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    code = _intake(w, accept=False)["code"]
    for who, step in (("reception", "reception"), ("specialist", "appraisal"),
                      ("head", "review"), ("leader", "approval"),
                      ("reception", "return_result")):
        clock.advance(timedelta(hours=1))
        d = _do(w, code, who, STEP_DATA[step])
    assert d["status"] == "finished" and d["timeliness"] == "early"
    assert "clock.stopped" in _kinds(w, code)
    listed = w.client.get("/api/v1/dossiers?timeliness=early", headers=w.headers("auditor"))
    assert listed.get_json()["total"] == 1


def test_apology_once_with_a_later_appointment(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    code = _intake(w)["code"]
    url = f"/api/v1/dossiers/{code}/apology"
    r = w.client.post(url, json={"reason": "Chờ xác minh", "new_appointment":
                                 "2026-03-04T08:00:00+07:00"}, headers=w.headers("reception"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "new_appointment"
    r = w.client.post(url, json={"reason": "Chờ xác minh", "new_appointment":
                                 "9999-12-31T23:00:00+00:00"}, headers=w.headers("reception"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "new_appointment"
    r = w.client.post(url, json={"reason": "Chờ xác minh thông tin",
                                 "new_appointment": "2026-03-10T16:00:00+07:00"},
                      headers=w.headers("reception"))
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    assert _at(d["new_appointment_at"]) == datetime(2026, 3, 10, 16, 0, tzinfo=VN)
    assert _at(d["due_at"]) == datetime(2026, 3, 5, 8, 0, tzinfo=VN)  # statutory kept
    r = w.client.post(url, json={"reason": "again", "new_appointment":
                                 "2026-03-12T16:00:00+07:00"}, headers=w.headers("reception"))
    assert r.status_code == 422 and r.get_json()["code"] == "apology-not-allowed"
    assert w.client.post(url, json={"reason": "x", "new_appointment": "2026-03-12T16:00:00+07:00"},
                         headers=w.headers("client")).status_code == 403
    assert _kinds(w, code).count("dossier.apology") == 1


def test_procedure_errors_name_their_fields(clocked: tuple[World, ManualClock]) -> None:
    w, _ = clocked
    r = w.client.put("/api/v1/procedures/x", json={"name": "X", "process_key": "p", "rules": [
        {"effective_from": "2026-13-01", "limits": {}},
        {"effective_from": "2026-01-01", "limits": {"fax": {"value": 1, "unit": "days"},
                                                    "desk": {"value": -1, "unit": "weeks"}}}]},
        headers=w.headers("designer"))
    assert r.status_code == 422
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert {"rules[0].effective_from", "rules[1].limits.fax", "rules[1].limits.desk.value",
            "rules[1].limits.desk.unit"} <= fields
    assert w.client.put("/api/v1/procedures/x", json={}, headers=w.headers("officer")
                        ).status_code == 403


def test_procedure_values_the_store_cannot_keep_are_refused(
        clocked: tuple[World, ManualClock]) -> None:
    w, _ = clocked
    rules = [{"effective_from": "2026-01-01", "limits": {"desk": {"value": 1, "unit":
                                                                 "working_days"}}}]
    r = w.client.put("/api/v1/procedures/" + "c" * 101, json={
        "name": "X", "process_key": "k" * 201, "rules": rules}, headers=w.headers("designer"))
    assert r.status_code == 422, r.get_json()
    assert {e["field"] for e in r.get_json()["errors"]} == {"code", "process_key"}
    # A calendar that does not exist would fail every intake of the process later.
    r = w.client.put("/api/v1/procedures/x", json={"name": "X", "process_key": "p", "rules": [
        {**rules[0], "calendar": "no-such-calendar"}]}, headers=w.headers("designer"))
    assert r.status_code == 422, r.get_json()
    assert [e["field"] for e in r.get_json()["errors"]] == ["rules[0].calendar"]
    assert w.client.get("/api/v1/procedures/x", headers=w.headers("designer")
                        ).status_code == 404


def test_procedure_limits_longer_than_the_calendar_looks_are_refused(
        clocked: tuple[World, ManualClock]) -> None:
    w, _ = clocked
    r = w.client.put("/api/v1/procedures/x", json={"name": "X", "process_key": "p", "rules": [
        {"effective_from": "2026-01-01", "limits": {
            "desk": {"value": 1e300, "unit": "calendar_days"},
            "post": {"value": 10**6, "unit": "months"},
            "online": {"value": 20, "unit": "working_days"}}}]},
        headers=w.headers("designer"))
    assert r.status_code == 422, r.get_json()
    errors = {e["field"]: e["message"] for e in r.get_json()["errors"]}
    assert set(errors) == {"rules[0].limits.desk.value", "rules[0].limits.post.value"}
    assert errors["rules[0].limits.post.value"] == "at most 600 months"


def test_clock_starts_when_the_process_reaches_acceptance(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    assert w.deploy(ROOT / "tests" / "api" / "data" / "starts_clock.bpmn", []).status_code == 201
    r = w.client.put("/api/v1/procedures/online", json={
        "name": "Online", "process_key": "starts_clock", "rules": [{
            "effective_from": "2026-01-01",
            "limits": {"default": {"value": 2, "unit": "working_days"}}}]},
        headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=VN))  # submitted online on Monday
    r = w.client.post("/api/v1/dossiers", json={"process_key": "starts_clock",
                      "applicant": APPLICANT, "channel": "online"}, headers=w.headers("client"))
    d = r.get_json()
    assert d["due_at"] is None and d["timeliness"] is None
    assert d["procedure_code"] == "online"
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=VN))  # accepted on Tuesday 10:00
    d = _do(w, d["code"], "officer", {})
    assert _at(d["due_at"]) == datetime(2026, 3, 5, 10, 0, tzinfo=VN)
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/history?limit=1000",
                     headers=w.headers("auditor"))
    started = [e for e in r.get_json()["items"] if e["kind"] == "clock.started"]
    assert len(started) == 1
    assert _at(started[0]["payload"]["started_at"]) == datetime(2026, 3, 3, 10, 0, tzinfo=VN)
    d = _do(w, d["code"], "officer", {})
    assert d["status"] == "finished" and d["timeliness"] == "early"


def test_a_unit_with_its_own_calendar_counts_its_own_office_hours(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _procedure(w)  # 3 working days on vn
    # This unit also works Saturday mornings.
    weekly = {d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed",
                                                                     "thu", "fri")}
    weekly["sat"] = [["07:30", "11:30"]]
    r = w.client.put(f"/api/v1/calendars/{w.unit}", json={
        "name": "Bộ phận một cửa", "parent": "vn", "weekly": weekly, "overrides": []},
        headers=w.headers("designer"))
    assert r.status_code == 200, r.get_json()
    clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=VN))  # Thursday 08:00
    d = _intake(w)
    assert d["calendar_id"] == w.unit
    # 24 working hours: Thu 7 h (from 08:00) + Fri 8 h + Sat 4 h + Mon 4.5 h + 0.5 h after
    # lunch: due Monday 9 March 14:00 (without the Saturday it would be Tuesday 08:00).
    assert _at(d["due_at"]) == datetime(2026, 3, 9, 14, 0, tzinfo=VN)
