"""The desk's written acts called for by shared forms: guidance to complete (form 02, once
per dossier), a supplement asked for (form 02), refusal with reasons (form 03), and
withdrawal or stop (form 05): each issued with the dossier as a PDF whose text says what
the law prescribes."""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.api.helpers import assert_problem, dossier, history, post_bpmn, started
from tests.conftest import World

FORMS = Path(__file__).resolve().parents[2] / "forms"
SHARED = ("guidance.json", "refusal.json", "supplement-request.json")

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="desk_acts" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="Check"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f7"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:outgoing>f7</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="guide" name="Guide">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="guidance.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="refuse" name="Refuse">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="refusal.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="refused"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="received"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="guide">
      <bpmn:conditionExpression>decision == "guide"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="guide" targetRef="check"/>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="refuse">
      <bpmn:conditionExpression>decision == "refuse"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f6" sourceRef="refuse" targetRef="refused"/>
    <bpmn:sequenceFlow id="f7" sourceRef="gw" targetRef="received"/>
  </bpmn:process>
</bpmn:definitions>"""

APPLICANT = {"name": "Nguyễn Thị Hồng Nhung", "address": "Phường Tân Định"}


def setup(world: World) -> str:
    forms = {name: (FORMS / name).read_bytes() for name in SHARED}
    r = post_bpmn(world, DIAGRAM, forms)
    assert r.status_code == 201, r.get_json()
    r = world.client.post("/api/v1/dossiers", headers=world.headers("client"), json={
        "process_key": "desk_acts", "applicant": APPLICANT, "data": {}})
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def act(world: World, code: str, element: str, data: dict[str, Any]) -> Any:
    task = next(s for s in dossier(world, code)["current_steps"] if s["element_id"] == element)
    return world.client.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": data},
                             headers=world.headers("officer"))


def notices(world: World, code: str) -> dict[str, tuple[str, str]]:
    """kind -> (form, the PDF's text) of every document but the receipt."""
    listed = world.client.get(f"/api/v1/dossiers/{code}/documents",
                              headers=world.headers("client"))
    assert listed.status_code == 200, listed.get_json()
    out = {}
    for doc in listed.get_json()["documents"]:
        if doc["kind"] == "receipt":
            continue
        r = world.client.get(f"/api/v1/dossiers/{code}/documents/{doc['id']}",
                             headers=world.headers("client"))
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
        out[doc["kind"]] = (doc["form"], " ".join(unicodedata.normalize("NFC", text).split()))
    return out


def test_guidance_to_complete_is_written_and_given_once(world: World) -> None:
    code = setup(world)
    assert act(world, code, "check", {"decision": "guide"}).status_code == 200
    bad = act(world, code, "guide", {"guidance_items": []})
    assert_problem(bad, 422, "form-invalid")
    items = ["Bản sao giấy chứng minh nhân dân có chứng thực", "Tờ khai ký đủ chữ ký"]
    assert act(world, code, "guide", {"guidance_items": items}).status_code == 200
    form, text = notices(world, code)["guidance"]
    assert form == "02" and "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert code in text and "Nguyễn Thị Hồng Nhung" in text and items[0] in text
    assert [e["payload"]["form"] for e in history(world, code)
            if e["kind"] == "document.issued"] == ["02"]
    # A second guidance for the same dossier is refused, and nothing moves.
    assert act(world, code, "check", {"decision": "guide"}).status_code == 200
    body = assert_problem(act(world, code, "guide", {"guidance_items": ["Thêm"]}), 422,
                          "guidance-already-given")
    assert "once" in body["detail"]
    assert [s["element_id"] for s in dossier(world, code)["current_steps"]] == ["guide"]
    assert list(notices(world, code)) == ["guidance"]


def test_a_refusal_gives_its_reasons(world: World) -> None:
    code = setup(world)
    assert act(world, code, "check", {"decision": "refuse"}).status_code == 200
    reasons = ["Thủ tục không thuộc thẩm quyền giải quyết của cơ quan"]
    done = act(world, code, "refuse", {"refusal_reasons": reasons})
    assert done.status_code == 200 and done.get_json()["end_event"] == "refused"
    form, text = notices(world, code)["refusal"]
    assert form == "03" and "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert reasons[0] in text and "Nguyễn Thị Hồng Nhung" in text


def test_a_withdrawal_is_written_too(two_steps: World) -> None:
    world = two_steps
    code = started(world)["code"]
    r = world.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=world.headers("client"),
                          json={"reason": "Công dân có đơn xin rút hồ sơ"})
    assert r.status_code == 200, r.get_json()
    form, text = notices(world, code)["withdrawal"]
    assert form == "05" and "RÚT HỒ SƠ" in text and "Công dân có đơn xin rút hồ sơ" in text


RETURN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="hand_back" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="return_result" name="Return the result">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="result-return.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="returned"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="return_result"/>
    <bpmn:sequenceFlow id="f2" sourceRef="return_result" targetRef="returned"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_return_of_the_result_records_to_whom_how_and_when(world: World) -> None:
    forms = {"result-return.json": (FORMS / "result-return.json").read_bytes()}
    assert post_bpmn(world, RETURN, forms).status_code == 201
    code = started(world, process_key="hand_back")["code"]
    bad = act(world, code, "return_result", {"returned_to": "Nguyễn Văn A",
                                             "return_channel": "pigeon"})
    assert_problem(bad, 422, "form-invalid")
    done = act(world, code, "return_result", {
        "returned_to": "Nguyễn Văn A", "recipient_role": "applicant",
        "recipient_id_number": "079201000001", "return_channel": "post",
        "postal_tracking": "EB123456789VN"})
    assert done.status_code == 200 and done.get_json()["status"] == "finished"
    event = next(e for e in history(world, code) if e["kind"] == "dossier.result_returned")
    assert event["payload"]["returned_to"] == "Nguyễn Văn A"
    assert (event["payload"]["return_channel"], event["payload"]["postal_tracking"]) == (
        "post", "EB123456789VN")
    assert event["payload"]["returned_at"] and event["payload"]["by"] == "officer"
