"""The national portal's view of the judicial record certificate on the demo: the status
code the procedure's mapping gives at each stage, and the sync packet of a finished dossier
(DOMAIN.md §6)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.demo import DEPARTMENT, UNIT
from engine.clock import ManualClock
from tests.api.test_officer_day import APPLICANT, DATA, call, demo, step
from tests.conftest import World

__all__ = ["demo"]  # the fixture


def portal(dossier: dict[str, Any]) -> int:
    return int(dossier["portal_status"]["code"])


def complete(w: World, who: str, code: str, element: str, data: dict[str, Any]
             ) -> dict[str, Any]:
    task = step(w, code, element)
    return call(w, who, "POST", f"/tasks/{task['task_id']}/complete", {"data": data})


def test_the_portal_status_follows_the_dossier_and_the_packet_tells_its_story(
        demo: tuple[World, ManualClock]) -> None:
    w, clock = demo
    started = call(w, "client", "POST", "/dossiers", {
        "process_key": "judicial_record_certificate", "channel": "online",
        "applicant": APPLICANT, "data": DATA})
    code = started["code"]
    assert started["portal_status"] == {"code": 1, "name": "submitted online"}
    accepted = complete(w, "reception", code, "reception", {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT})
    assert portal(accepted) == 4  # at the department's appraisal, which the mapping names
    complete(w, "dept-specialist", code, "appraisal", {"appraisal_decision": "supplement"})
    paused = complete(w, "dept-specialist", code, "request_supplement", {
        "supplement_reason": "Cần xác định nơi cư trú trước đây",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"],
        "supplement_deadline_days": 5})
    assert paused["portal_status"] == {"code": 5, "name": "supplement requested"}
    clock.advance(timedelta(days=7))
    resumed = call(w, "client", "POST", f"/dossiers/{code}/supplement", {
        "documents": [{"kind": "Giấy xác nhận thông tin về cư trú", "name": "cu-tru.pdf"}],
        "message_id": "portal-supplement-1"})
    assert portal(resumed) == 4
    complete(w, "dept-specialist", code, "appraisal", {
        "appraisal_decision": "propose_grant", "criminal_record": "none",
        "draft_result": "Cấp Phiếu lý lịch tư pháp số 1: không có án tích"})
    approved = complete(w, "dept-leader", code, "approval", {"approval_decision": "approve"})
    assert portal(approved) == 9  # waiting at the desk to return the result
    done = complete(w, "reception", code, "return_result", {
        "returned_to": "Bưu điện tỉnh", "recipient_role": "postal_service",
        "return_channel": "post", "postal_tracking": "EL987654321VN"})
    assert done["portal_status"] == {"code": 10, "name": "result returned"}
    assert portal(call(w, "client", "GET", f"/dossiers/{code}")) == 10

    packet = call(w, "client", "GET", f"/dossiers/{code}/sync-packet")
    header = packet["header"]
    assert (header["code"], header["status"], header["channel"]) == (code, 10, 2)
    assert header["procedure_code"] == "lltp-citizen" and header["sector"] == "Lý lịch tư pháp"
    assert header["applicant"]["name"] == "Trần Minh Khoa" and header["applicant"]["type"] == 1
    for field in ("submitted", "accepted", "due", "returned"):
        assert len(header[field]) == 14 and header[field].isdigit(), (field, header[field])
    assert header["submitted"] <= header["accepted"] < header["returned"]
    assert header["processing_unit"] == UNIT  # back at the desk that returned it
    [supplement] = packet["supplement_requests"]
    assert supplement["old_due"] < supplement["new_due"] == header["due"]
    assert supplement["requested"] < supplement["received"]
    assert [p["element"] for p in packet["progress"]] == [
        "reception", "appraisal", "request_supplement", "appraisal", "approval",
        "return_result"]
    assert packet["progress"][0]["what"].startswith("Tiếp nhận, kiểm tra hồ sơ")
    assert packet["progress"][1]["unit"] == DEPARTMENT
    assert all(p["who"] and p["when"] for p in packet["progress"])
    assert [d["form"] for d in packet["documents"]] == ["01", "02"]


def test_a_withdrawn_dossier_shows_the_applicants_withdrawal(
        demo: tuple[World, ManualClock]) -> None:
    w, _ = demo
    code = call(w, "client", "POST", "/dossiers", {
        "process_key": "judicial_record_certificate", "channel": "desk",
        "applicant": APPLICANT, "data": DATA})["code"]
    call(w, "client", "POST", f"/dossiers/{code}/withdraw",
         {"reason": "Người nộp không còn nhu cầu"})
    dossier = call(w, "auditor", "GET", f"/dossiers/{code}")
    assert dossier["portal_status"] == {"code": 7, "name": "applicant withdraws"}
    assert call(w, "client", "GET", f"/dossiers/{code}/sync-packet")["header"]["status"] == 7
