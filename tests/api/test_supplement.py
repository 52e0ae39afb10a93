"""The applicant's supplement: an officer asks for it with the shared form, the process waits
for the message `supplement` with the statutory clock paused, the portal or the desk delivers
it through POST /dossiers/{code}/supplement, and the clock resumes with the due instant moved
by the working time paused."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from tests.api.helpers import assert_problem, dossier, history, official, post_bpmn, started
from tests.conftest import World

FORMS = Path(__file__).resolve().parents[2] / "forms"

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:message id="msg_supplement" name="supplement"/>
  <bpmn:process id="with_supplement" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="appraise" name="Appraise"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f6"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f6</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="ask" name="Request a supplement">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="supplement-request.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait_supplement" name="Supplement received">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="pausesClock" value="true"/>
        <spiffworkflow:property name="pauseReason" value="Chờ công dân bổ sung hồ sơ"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:messageEventDefinition id="med" messageRef="msg_supplement"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="appraise"/>
    <bpmn:sequenceFlow id="f2" sourceRef="appraise" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="ask">
      <bpmn:conditionExpression>decision == "supplement"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="wait_supplement"/>
    <bpmn:sequenceFlow id="f5" sourceRef="wait_supplement" targetRef="appraise"/>
    <bpmn:sequenceFlow id="f6" sourceRef="gw" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

ASK = {"supplement_reason": "Thiếu bản sao giấy chứng nhận quyền sử dụng đất",
       "missing_documents": ["Bản sao giấy chứng nhận quyền sử dụng đất"]}
BROUGHT = {"documents": [{"kind": "Giấy chứng nhận quyền sử dụng đất",
                          "name": "gcn-qsdd.pdf"}], "note": "Nộp bổ sung qua cổng"}


@pytest.fixture
def w(clocked: tuple[World, ManualClock]) -> World:
    world = clocked[0]
    forms = {"supplement-request.json": (FORMS / "supplement-request.json").read_bytes()}
    r = post_bpmn(world, DIAGRAM, forms)
    assert r.status_code == 201, r.get_json()
    r = world.client.put("/api/v1/procedures/p1", headers=world.headers("designer"), json={
        "name": "Thủ tục", "process_key": "with_supplement", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 5, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201), r.get_json()
    return world


def act(world: World, code: str, element: str, data: dict[str, Any]) -> dict[str, Any]:
    task = next(s for s in dossier(world, code)["current_steps"] if s["element_id"] == element)
    r = world.client.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": data},
                          headers=world.headers("officer"))
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def bring(world: World, code: str, who: str = "client", **body: Any) -> Any:
    return world.client.post(f"/api/v1/dossiers/{code}/supplement", json={**BROUGHT, **body},
                             headers=world.headers(who))


def test_a_supplement_pauses_the_clock_until_it_is_brought(
        w: World, clocked: tuple[World, ManualClock]) -> None:
    clock = clocked[1]
    code = started(w, process_key="with_supplement")["code"]
    due = dossier(w, code)["due_at"]
    assert due is not None
    assert_problem(bring(w, code), 409, "no-supplement-requested")
    act(w, code, "appraise", {"decision": "supplement"})
    # The officer's form is the shared one: it names what is missing.
    bad = w.client.post(f"/api/v1/tasks/{dossier(w, code)['current_steps'][0]['task_id']}"
                        "/complete", json={"data": {"supplement_reason": ""}},
                        headers=w.headers("officer"))
    assert_problem(bad, 422, "form-invalid")
    paused = act(w, code, "ask", ASK)
    assert paused["paused"] is True and paused["current_steps"] == []
    clock.advance(timedelta(days=7))  # a whole working week (Monday to Monday)
    r = bring(w, code, message_id="portal-42")
    assert r.status_code == 200, r.get_json()
    resumed = r.get_json()
    assert resumed["paused"] is False and resumed["paused_hours"] == pytest.approx(40.0)
    assert resumed["due_at"] > due
    assert [s["element_id"] for s in resumed["current_steps"]] == ["appraise"]
    assert resumed["data"]["supplement"]["documents"] == BROUGHT["documents"]
    assert resumed["data"]["supplement"]["channel"] == "online"
    kinds = [e["kind"] for e in history(w, code)]
    assert kinds[-4:] == ["clock.paused", "dossier.supplemented", "step.completed",
                          "clock.resumed"]
    # The same delivery again is ignored; another one finds nothing asked for.
    again = bring(w, code, message_id="portal-42")
    assert again.status_code == 200 and again.get_json()["paused_hours"] == pytest.approx(40.0)
    assert_problem(bring(w, code, message_id="portal-43"), 409, "no-supplement-requested")


def test_who_brings_a_supplement(w: World) -> None:
    elsewhere = official()
    w.register_unit(elsewhere)
    w.principal("elsewhere", "officer", unit=elsewhere, position="officer")
    w.principal("portal2", "client", unit=w.unit)
    code = started(w, process_key="with_supplement")["code"]
    act(w, code, "appraise", {"decision": "supplement"})
    act(w, code, "ask", ASK)
    assert_problem(bring(w, code, "portal2"), 404, "not-found")
    assert_problem(bring(w, code, "elsewhere"), 404, "not-found")
    for who in ("designer", "auditor", "admin"):
        assert_problem(bring(w, code, who), 403, "forbidden")
    body = assert_problem(bring(w, code, documents=[]), 422, "invalid-input")
    assert body["errors"][0]["field"] == "/documents"
    assert dossier(w, code)["paused"] is True
    r = bring(w, code, "officer")  # at the receiving unit's desk
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["supplement"]["channel"] == "desk"
