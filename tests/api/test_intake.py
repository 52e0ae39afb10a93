"""Intake: the start form checks the applicant and the data before a code number is taken;
the channel is one of desk, online, post; the submitted and the received instants."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from engine.clock import ManualClock
from tests.api.helpers import assert_problem, history, intake, post_bpmn
from tests.conftest import World

START_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "applicant": {"type": "object", "required": ["name", "id_number"], "properties": {
            "name": {"type": "string", "minLength": 1},
            "id_number": {"type": "string", "pattern": "^[0-9]{12}$"}}},
        "data": {"type": "object", "required": ["household_name"], "properties": {
            "household_name": {"type": "string", "minLength": 1},
            "capital_vnd": {"type": "integer", "minimum": 0}}},
    },
    "required": ["applicant", "data"],
}
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="with_start_form" isExecutable="true">
    <bpmn:startEvent id="submitted">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="apply.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="receive" name="Receive"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="submitted" targetRef="receive"/>
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()
GOOD_APPLICANT = {"name": "Nguyễn Thị Lan", "id_number": "001185012345"}
GOOD_DATA = {"household_name": "Phở Bà Lan", "capital_vnd": 150000000}


def _deploy(w: World) -> None:
    r = post_bpmn(w, BPMN, {"apply.json": json.dumps(START_FORM).encode()})
    assert r.status_code == 201, r.get_json()


def _start(w: World, applicant: dict[str, Any], data: dict[str, Any], **extra: Any) -> Any:
    return w.client.post("/api/v1/dossiers", headers=w.headers("client"), json={
        "process_key": "with_start_form", "applicant": applicant, "data": data, **extra})


def test_start_form_names_every_field_at_fault_and_takes_no_number(w: World) -> None:
    _deploy(w)
    first = _start(w, GOOD_APPLICANT, GOOD_DATA)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["code"].endswith("-0001")
    bad = _start(w, {"id_number": "12AB"}, {"capital_vnd": -1})
    body = assert_problem(bad, 422, "form-invalid")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"/applicant/name", "/applicant/id_number", "/data/household_name",
                      "/data/capital_vnd"}, body["errors"]
    assert all(e["message"] for e in body["errors"])
    assert_problem(_start(w, GOOD_APPLICANT, {"household_name": ""}), 422, "form-invalid")
    # The refused intakes took no number: the next good one is the second of the day.
    second = _start(w, GOOD_APPLICANT, GOOD_DATA)
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["code"].endswith("-0002")


def test_a_start_form_must_be_deployed_with_the_diagram(w: World) -> None:
    body = assert_problem(post_bpmn(w, BPMN, {}), 422, "bpmn-invalid")
    assert any(e.get("element") == "submitted" and "apply.json" in e["message"]
               for e in body["errors"]), body["errors"]


def test_the_shipped_procedures_check_their_start_form(w: World) -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bpmn = root / "processes" / "judicial_record_certificate.bpmn"
    forms = sorted((root / "forms").glob("lltp-*.json")) + [
        root / "forms" / n for n in ("guidance.json", "refusal.json",
                                     "supplement-request.json", "result-return.json")]
    assert w.deploy(bpmn, forms).status_code == 201
    r = intake(w, "judicial_record_certificate", data={"person_name": "Trần Minh Khoa",
                                                        "certificate_type": "3"})
    fields = {e["field"] for e in assert_problem(r, 422, "form-invalid")["errors"]}
    assert {"/data/person_id_number", "/data/date_of_birth", "/data/residence",
            "/data/purpose", "/data/certificate_type"} <= fields, fields


def test_channels_and_the_submitted_instant(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w)
    body = assert_problem(_start(w, GOOD_APPLICANT, GOOD_DATA, channel="fax"), 422,
                          "invalid-input")
    assert "channel" in json.dumps(body["errors"])
    now = clock.now()
    future = _start(w, GOOD_APPLICANT, GOOD_DATA, channel="online",
                    submitted_at=(now + timedelta(minutes=5)).isoformat())
    assert [e["field"] for e in assert_problem(future, 422, "invalid-input")["errors"]] == \
        ["submitted_at"]
    at_desk = _start(w, GOOD_APPLICANT, GOOD_DATA, channel="desk",
                     submitted_at=(now - timedelta(hours=1)).isoformat())
    assert [e["field"] for e in assert_problem(at_desk, 422, "invalid-input")["errors"]] == \
        ["submitted_at"]

    submitted = now - timedelta(days=2, hours=3)
    r = _start(w, GOOD_APPLICANT, GOOD_DATA, channel="post", submitted_at=submitted.isoformat())
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["channel"] == "post" and d["channel_code"] == 3
    assert _instant(d["submitted_at"]) == submitted and _instant(d["received_at"]) == now
    received = next(e for e in history(w, d["code"]) if e["kind"] == "dossier.received")
    assert _instant(received["payload"]["submitted_at"]) == submitted
    assert _instant(received["payload"]["received_at"]) == now

    desk = _start(w, GOOD_APPLICANT, GOOD_DATA, channel="desk").get_json()
    assert desk["submitted_at"] == desk["received_at"] and desk["channel_code"] == 1
    online = _start(w, GOOD_APPLICANT, GOOD_DATA, channel="online").get_json()
    assert _instant(online["submitted_at"]) == now  # the portal named none: when received
    listed = w.client.get("/api/v1/dossiers?channel=post", headers=w.headers("client"))
    assert [x["code"] for x in listed.get_json()["items"]] == [d["code"]]


def _instant(value: str) -> Any:
    from datetime import UTC, datetime

    return datetime.fromisoformat(value).astimezone(UTC)
