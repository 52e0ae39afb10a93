"""An officer's day across units on the demo, as the README's tour walks it: the demo
(`api.demo.load_demo`) registers the centre and the Department of Justice with their officers
and deploys the judicial record certificate; the portal submits, the centre's desk accepts and
hands the dossier over (the clock starts, form 01 is issued), the department's head assigns
the appraisal, the specialist asks for a supplement (form 02, the clock pauses), the portal
brings it (the clock resumes, the due instant moved by the time paused), the director
approves and the desk returns the result by post."""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from api.demo import DEPARTMENT, PRINCIPALS, UNIT, load_demo
from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.conftest import World

APPLICANT = {"type": "citizen", "name": "Trần Minh Khoa", "id_number": "001095012345",
             "address": "Thôn Đông, xã Yên Bình", "phone": "0987654321"}
DATA = {"person_name": "Trần Minh Khoa", "person_id_number": "001095012345",
        "date_of_birth": "1995-04-12", "residence": "Thôn Đông, xã Yên Bình",
        "certificate_type": "1", "purpose": "Bổ sung hồ sơ xin việc", "copies": 1,
        "documents": [{"name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "original": True},
                      {"name": "Bản chụp thẻ căn cước", "original": False}]}


@pytest.fixture
def demo(db_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[World, ManualClock]]:
    """The demo loaded on the test database, served by an app whose time the test moves."""
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=db_url)
    load_demo(settings)
    assert "deployed judicial_record_certificate" in capsys.readouterr().out
    clock = ManualClock(MONDAY_8AM)
    app = create_app(settings, clock=clock)
    ctx = app.extensions["motcua"]
    install(ctx, make_broker(""))
    tokens = {token: token for token, *_ in PRINCIPALS}
    yield World(app, app.test_client(), ctx, "DEMO", UNIT, tokens), clock
    ctx.db_engine.dispose()


def call(w: World, who: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    r = w.client.open(f"/api/v1{path}", method=method, json=body,
                      headers=w.headers(f"demo-{who}"))
    assert r.status_code in (200, 201), (method, path, r.get_json())
    return dict(r.get_json())


def step(w: World, code: str, element: str) -> dict[str, Any]:
    steps = call(w, "auditor", "GET", f"/dossiers/{code}")["current_steps"]
    assert [s["element_id"] for s in steps] == [element], steps
    return dict(steps[0])


def inbox(w: World, who: str, **query: str) -> list[tuple[str, str]]:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    page = call(w, who, "GET", f"/tasks?{q}")
    assert page["total"] == len(page["items"])
    return [(t["dossier_code"], t["element_id"]) for t in page["items"]]


def pdf_text(w: World, code: str, document_id: int) -> str:
    r = w.client.get(f"/api/v1/dossiers/{code}/documents/{document_id}",
                     headers=w.headers("demo-client"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_a_dossier_received_at_the_centre_is_decided_by_the_department(
        demo: tuple[World, ManualClock]) -> None:
    w, clock = demo
    started = call(w, "client", "POST", "/dossiers", {
        "process_key": "judicial_record_certificate", "channel": "online",
        "applicant": APPLICANT, "data": DATA})
    code = started["code"]
    # Submitted online, not yet received: no clock, no receipt.
    assert started["due_at"] is None and started["unit"] == UNIT
    assert call(w, "client", "GET", f"/dossiers/{code}/documents")["documents"] == []

    # The centre's desk: in the inbox, claimed, accepted for the Department of Justice.
    assert (code, "reception") in inbox(w, "reception")
    task = step(w, code, "reception")
    assert call(w, "reception", "POST", f"/tasks/{task['task_id']}/claim")["holder"]
    accepted = call(w, "reception", "POST", f"/tasks/{task['task_id']}/complete", {"data": {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT}})
    due = accepted["due_at"]
    assert due is not None
    assert [(s["element_id"], s["unit"]) for s in accepted["current_steps"]] == [
        ("appraisal", DEPARTMENT)]
    documents = call(w, "reception", "GET", f"/dossiers/{code}/documents")["documents"]
    assert [(d["kind"], d["form"]) for d in documents] == [("receipt", "01")]
    receipt = pdf_text(w, code, documents[0]["id"])
    assert code in receipt and "Trần Minh Khoa" in receipt
    assert "Trung tâm Phục vụ hành chính công tỉnh" in receipt

    # The department: the head sees the unit's task and assigns it; the centre no longer does.
    assert (code, "appraisal") in inbox(w, "dept-head")
    assert (code, "appraisal") not in inbox(w, "reception")
    assert (code, "appraisal") not in inbox(w, "specialist")  # the centre's own specialist
    specialist = call(w, "admin", "GET", f"/principals?unit={DEPARTMENT}&q=Chuy%C3%AAn%20vi%C3%AAn")
    task = step(w, code, "appraisal")
    held = call(w, "dept-head", "POST", f"/tasks/{task['task_id']}/assign",
                {"principal_id": specialist["items"][0]["id"]})
    assert held["holder"]["name"] == "Chuyên viên Sở Tư pháp"
    assert inbox(w, "dept-specialist", claimed="true") == [(code, "appraisal")]
    r = w.client.post(f"/api/v1/tasks/{task['task_id']}/complete",
                      json={"data": {"appraisal_decision": "supplement"}},
                      headers=w.headers("demo-dept-leader"))
    assert r.status_code == 403, r.get_json()  # the director sees it, but it is not theirs

    # A supplement asked for: form 02, the clock paused.
    call(w, "dept-specialist", "POST", f"/tasks/{task['task_id']}/complete",
         {"data": {"appraisal_decision": "supplement"}})
    task = step(w, code, "request_supplement")
    paused = call(w, "dept-specialist", "POST", f"/tasks/{task['task_id']}/complete", {"data": {
        "supplement_reason": "Cần xác định nơi cư trú trước đây để tra cứu",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"],
        "supplement_deadline_days": 5}})
    assert paused["paused"] is True and paused["current_steps"] == []
    documents = call(w, "client", "GET", f"/dossiers/{code}/documents")["documents"]
    assert [(d["kind"], d["form"]) for d in documents] == [
        ("receipt", "01"), ("supplement_request", "02")]
    notice = pdf_text(w, code, documents[1]["id"])
    assert "Giấy xác nhận thông tin về cư trú" in notice and code in notice

    # A week later the portal brings it: the clock resumes, the due instant moves.
    clock.advance(timedelta(days=7))
    resumed = call(w, "client", "POST", f"/dossiers/{code}/supplement", {
        "documents": [{"kind": "Giấy xác nhận thông tin về cư trú",
                       "name": "xac-nhan-cu-tru.pdf"}], "message_id": "portal-supplement-1"})
    assert resumed["paused"] is False and resumed["paused_hours"] == pytest.approx(40.0)
    assert resumed["due_at"] > due
    assert [(s["element_id"], s["unit"]) for s in resumed["current_steps"]] == [
        ("appraisal", DEPARTMENT)]

    # Appraised, approved at the department; back to the desk, returned by post.
    task = step(w, code, "appraisal")
    call(w, "dept-specialist", "POST", f"/tasks/{task['task_id']}/claim")
    call(w, "dept-specialist", "POST", f"/tasks/{task['task_id']}/complete", {"data": {
        "appraisal_decision": "propose_grant", "criminal_record": "none",
        "draft_result": "Cấp Phiếu lý lịch tư pháp số 1: không có án tích"}})
    task = step(w, code, "approval")
    approved = call(w, "dept-leader", "POST", f"/tasks/{task['task_id']}/complete",
                    {"data": {"approval_decision": "approve"}})
    assert approved["data"]["certificate_number"] == "LLTP-1-001095012345"
    assert [(s["element_id"], s["unit"]) for s in approved["current_steps"]] == [
        ("return_result", UNIT)]
    assert (code, "return_result") in inbox(w, "reception")
    task = step(w, code, "return_result")
    done = call(w, "reception", "POST", f"/tasks/{task['task_id']}/complete", {"data": {
        "returned_to": "Bưu điện tỉnh", "recipient_role": "postal_service",
        "return_channel": "post", "postal_tracking": "EL987654321VN"}})
    assert (done["status"], done["end_event"]) == ("finished", "result_returned")

    events = call(w, "auditor", "GET", f"/dossiers/{code}/history?limit=1000")["items"]
    assert [(e["element_id"], e["payload"]["from_unit"], e["payload"]["to_unit"])
            for e in events if e["kind"] == "dossier.handed_over"] == [
        ("appraisal", UNIT, DEPARTMENT),
        ("return_result", DEPARTMENT, UNIT)]
    clock_events = [e["kind"] for e in events if e["kind"].startswith("clock.")]
    assert clock_events == ["clock.started", "clock.paused", "clock.resumed", "clock.stopped"]
    returned = next(e for e in events if e["kind"] == "dossier.result_returned")
    assert (returned["payload"]["return_channel"], returned["payload"]["postal_tracking"]) == (
        "post", "EL987654321VN")
    assert [e["payload"]["form"] for e in events if e["kind"] == "document.issued"] == ["02"]
