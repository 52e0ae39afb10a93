"""The public side of a dossier on the demo: the applicant looks it up with its code and
their identity number or the secret printed on the receipt, sees a pause and its reason,
downloads the notices addressed to them (and no other document), and rates the service once
its result is given; nothing answers without the proof, a wrong proof looks like a missing
dossier, and a proof of one province's dossier opens nothing of another province."""
from __future__ import annotations

import io
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from api.demo import DEPARTMENT, PRINCIPALS, UNIT, load_demo
from engine.clock import ManualClock
from engine.documents import format_instant
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS
from tests.api.test_officer_day import APPLICANT, DATA, call, step
from tests.api.test_submitted_documents import pdf
from tests.conftest import World, make_world


def make_demo(db_url: str, **overrides: Any) -> tuple[World, ManualClock]:
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    # Submitted documents go to a directory of the test's own, never the project's var/.
    overrides.setdefault("files_dir", tempfile.mkdtemp(prefix="motcua-files-"))
    settings = Settings(database_url=db_url, **overrides)
    load_demo(settings)
    clock = ManualClock(MONDAY_8AM)
    app = create_app(settings, clock=clock)
    install(app.extensions["motcua"], make_broker(""))
    tokens = {token: token for token, *_ in PRINCIPALS}
    return World(app, app.test_client(), app.extensions["motcua"], "DEMO", UNIT, tokens), clock


@pytest.fixture
def demo(db_url: str) -> Iterator[World]:
    w, _ = make_demo(db_url, public_lookups_per_minute=0)
    yield w
    w.ctx.db_engine.dispose()


def public(w: World, path: str, **query: str) -> Any:
    return w.client.get(f"/api/v1/public{path}", query_string=query)


def complete(w: World, who: str, code: str, element: str, data: dict[str, Any]) -> None:
    task = step(w, code, element)
    call(w, who, "POST", f"/tasks/{task['task_id']}/complete", {"data": data})


def accepted_dossier(w: World) -> str:
    code = str(call(w, "client", "POST", "/dossiers", {
        "process_key": "judicial_record_certificate", "channel": "online",
        "applicant": APPLICANT, "data": DATA})["code"])
    complete(w, "reception", code, "reception", {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT})
    return code


def notice_text(w: World, code: str, document_id: int, **proof: str) -> str:
    """The words of a notice the applicant downloads with their proof (the demo's by default)."""
    r = public(w, f"/dossiers/{code}/documents/{document_id}",
               **(proof or {"id_number": "001095012345"}))
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.get_json()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def secret_on_the_receipt(w: World, code: str, document_id: int) -> str:
    text = notice_text(w, code, document_id)
    found = re.search(r"Mã tra cứu: ([A-Z0-9]{8})", text)
    assert found, text
    return found.group(1)


def test_the_applicant_looks_up_their_dossier_and_nothing_else_answers(demo: World) -> None:
    w = demo
    code = accepted_dossier(w)
    r = public(w, f"/dossiers/{code}", id_number="001095012345")
    assert r.status_code == 200, r.get_json()
    seen = r.get_json()
    assert seen["status"] == "Đang giải quyết" and seen["appointment"]
    assert seen["portal_status"] == {"code": 4, "name": "Đang xử lý"}
    assert seen["procedure"].startswith("Cấp Phiếu lý lịch tư pháp")
    [receipt] = seen["documents"]
    assert (receipt["kind"], receipt["form"]) == ("receipt", "01")
    assert "applicant" not in seen and "data" not in seen and "Trần" not in r.get_data(True)

    secret = secret_on_the_receipt(w, code, receipt["id"])
    assert public(w, f"/dossiers/{code}", secret=secret).status_code == 200
    assert public(w, f"/dossiers/{code}", secret=secret.lower()).status_code == 200

    wrong = public(w, f"/dossiers/{code}", id_number="001095099999")
    missing = public(w, f"/dossiers/{code[:-4]}9999", id_number="001095012345")
    guessed = public(w, f"/dossiers/{code}", secret="AAAAAAAA")
    assert wrong.status_code == missing.status_code == guessed.status_code == 404
    assert wrong.get_json() == missing.get_json() == guessed.get_json()
    assert public(w, f"/dossiers/{code}/documents/{receipt['id']}",
                  id_number="001095099999").status_code == 404
    no_proof = public(w, f"/dossiers/{code}")
    assert no_proof.status_code == 422
    assert no_proof.get_json()["errors"][0]["field"] == "id_number"
    assert public(w, f"/dossiers/{code}", id_number="1", shoe_size="42").status_code == 422


def test_the_applicant_rates_once_after_the_result(demo: World) -> None:
    w = demo
    code = accepted_dossier(w)
    proof = {"id_number": "001095012345"}
    early = w.client.post(f"/api/v1/dossiers/{code}/rating", json={"level": 5, **proof})
    assert early.status_code == 409 and early.get_json()["code"] == "not-ratable-yet"

    complete(w, "dept-specialist", code, "appraisal", {
        "appraisal_decision": "propose_grant", "criminal_record": "none",
        "draft_result": "Cấp Phiếu lý lịch tư pháp số 1: không có án tích"})
    complete(w, "dept-leader", code, "approval", {"approval_decision": "approve"})
    complete(w, "reception", code, "return_result", {
        "returned_to": "Trần Minh Khoa", "recipient_role": "applicant",
        "return_channel": "desk"})

    bad = w.client.post(f"/api/v1/dossiers/{code}/rating", json={
        "level": 6, "criteria": {"c1": 3, "c10": 1}, **proof})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {
        "level", "criteria.c1", "criteria.c10"}
    nobody = w.client.post(f"/api/v1/dossiers/{code}/rating", json={"level": 5})
    assert nobody.status_code == 401
    stranger = w.client.post(f"/api/v1/dossiers/{code}/rating",
                             json={"level": 1, "id_number": "001095099999"})
    assert stranger.status_code == 404

    r = w.client.post(f"/api/v1/dossiers/{code}/rating", json={
        "level": 4, "criteria": {"c1": 2, "c7": 2, "c8": 1},
        "complaint": "Cần thêm chỗ ngồi chờ tại bộ phận một cửa", **proof})
    assert r.status_code == 201, r.get_json()
    rated = r.get_json()
    assert (rated["level"], rated["level_name"], rated["channel"]) == (4, "Hài lòng",
                                                                       "applicant")
    again = w.client.post(f"/api/v1/dossiers/{code}/rating", json={"level": 1, **proof})
    assert again.status_code == 409 and again.get_json()["code"] == "already-rated"
    desk = w.client.post(f"/api/v1/dossiers/{code}/rating", json={"level": 1},
                         headers=w.headers("demo-reception"))
    assert desk.status_code == 409
    events = call(w, "auditor", "GET", f"/dossiers/{code}/history?limit=1000")["items"]
    [event] = [e for e in events if e["kind"] == "dossier.rated"]
    assert event["payload"]["complaint"] == "Cần thêm chỗ ngồi chờ tại bộ phận một cửa"
    assert call(w, "auditor", "GET", f"/dossiers/{code}/history/verify")["intact"] is True


def test_lookups_from_one_address_are_limited(db_url: str) -> None:
    w, _ = make_demo(db_url, public_lookups_per_minute=3)
    try:
        code = accepted_dossier(w)
        answers = [public(w, f"/dossiers/{code}", id_number="001095099999").status_code
                   for _ in range(4)]
        assert answers == [404, 404, 404, 429]
        limited = public(w, f"/dossiers/{code}", id_number="001095012345")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    finally:
        w.ctx.db_engine.dispose()


FAR_APPLICANT = {"type": "citizen", "name": "Lê Thị Hoa", "id_number": "079200001111"}


def far_dossier(db_url: str) -> tuple[World, str, int, str]:
    """A dossier of another province (a fresh world's, received at intake so that it has its
    receipt): (its world, its code, its receipt's id, its lookup secret)."""
    other = make_world(db_url)
    assert other.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = other.client.put("/api/v1/procedures/far", headers=other.headers("designer"), json={
        "name": "Thủ tục tỉnh khác", "process_key": "two_steps", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]})
    assert r.status_code == 201, r.get_json()
    r = other.client.post("/api/v1/dossiers", headers=other.headers("client"), json={
        "process_key": "two_steps", "applicant": FAR_APPLICANT, "data": {}})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    docs = other.client.get(f"/api/v1/dossiers/{code}/documents",
                            headers=other.headers("auditor")).get_json()["documents"]
    [receipt] = [d["id"] for d in docs if d["kind"] == "receipt"]
    with other.ctx.uow(readonly=True) as uow:
        found = uow.repo.dossier_by_code(code)
        assert found is not None and found.province == other.province != "DEMO"
        secret = str(found.lookup_secret)
    return other, code, receipt, secret


def test_a_lookup_never_crosses_provinces(demo: World, db_url: str) -> None:
    w = demo
    near = accepted_dossier(w)
    near_id = {"id_number": APPLICANT["id_number"]}
    seen = public(w, f"/dossiers/{near}", **near_id).get_json()
    [near_receipt] = [d["id"] for d in seen["documents"]]
    near_secret = {"secret": secret_on_the_receipt(w, near, near_receipt)}
    other, far, far_receipt, secret = far_dossier(db_url)
    far_id, far_secret = {"id_number": FAR_APPLICANT["id_number"]}, {"secret": secret}
    try:
        # Each proof opens its own dossier, and shows nothing of the other's.
        for code, proof, foreign in ((near, near_id, (far, "079200001111", "Lê Thị Hoa")),
                                     (far, far_id, (near, "001095012345", "Trần Minh Khoa"))):
            r = public(w, f"/dossiers/{code}", **proof)
            assert r.status_code == 200, r.get_json()
            assert not [word for word in foreign if word in r.get_data(True)]
        assert [d["id"] for d in public(w, f"/dossiers/{far}", **far_id).get_json()[
            "documents"]] == [far_receipt]

        # A code with the proof of the other province's dossier answers as a missing one.
        missing = public(w, f"/dossiers/{near[:-4]}9999", **near_id)
        assert missing.status_code == 404
        for code, proof in ((near, far_id), (near, far_secret), (far, near_id),
                            (far, near_secret)):
            crossed = public(w, f"/dossiers/{code}", **proof)
            assert (crossed.status_code, crossed.get_data()) == (404, missing.get_data())
            notice = public(w, f"/dossiers/{code}/documents/{far_receipt}", **proof)
            assert (notice.status_code, notice.get_data()) == (404, missing.get_data())
        # With a right proof, the other province's notice is no notice of this dossier.
        absent = public(w, f"/dossiers/{near}/documents/999999999", **near_id)
        theirs = public(w, f"/dossiers/{near}/documents/{far_receipt}", **near_id)
        assert absent.status_code == theirs.status_code == 404
        assert theirs.get_data(True) == absent.get_data(True).replace("999999999",
                                                                      str(far_receipt))
    finally:
        other.ctx.db_engine.dispose()


def test_a_paused_dossier_shows_that_it_waits_for_a_supplement_and_why(demo: World) -> None:
    w = demo
    code = accepted_dossier(w)
    complete(w, "dept-specialist", code, "appraisal", {"appraisal_decision": "supplement"})
    complete(w, "dept-specialist", code, "request_supplement", {
        "supplement_reason": "Cần xác định nơi cư trú trước đây để tra cứu",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"]})
    seen = public(w, f"/dossiers/{code}", id_number="001095012345").get_json()
    assert (seen["paused"], seen["paused_reason"]) == (
        True, "Chờ công dân bổ sung hồ sơ (waiting for the applicant's supplement)")
    assert seen["portal_status"] == {"code": 5, "name": "Yêu cầu bổ sung hồ sơ"}
    assert seen["status"] == "Đang giải quyết" and seen["appointment"]
    assert [(d["kind"], d["form"]) for d in seen["documents"]] == [
        ("receipt", "01"), ("supplement_request", "02")]
    notice = notice_text(w, code, seen["documents"][1]["id"])
    assert "PHIẾU YÊU CẦU BỔ SUNG" in notice and "Giấy xác nhận thông tin về cư trú" in notice
    assert "Cần xác định nơi cư trú trước đây" in notice

    call(w, "client", "POST", f"/dossiers/{code}/supplement", {
        "documents": [{"kind": "Giấy xác nhận thông tin về cư trú", "name": "cu-tru.pdf"}],
        "message_id": "portal-lookup-1"})
    resumed = public(w, f"/dossiers/{code}", id_number="001095012345").get_json()
    assert (resumed["paused"], resumed["paused_reason"]) == (False, None)
    assert resumed["portal_status"]["code"] == 4


def test_the_applicant_downloads_the_notices_addressed_to_them_and_nothing_else(
        demo: World) -> None:
    w = demo
    code = accepted_dossier(w)
    # Not addressed to the applicant: the identity papers the portal sent (whoever holds
    # the secret on the receipt must not get them) and the department's draft result.
    internal = [upload(w, "client", code, "identity_papers", "cccd.pdf"),
                upload(w, "dept-specialist", code, "result", "du-thao-ket-qua.pdf")]
    due = datetime.fromisoformat(call(w, "auditor", "GET", f"/dossiers/{code}")["due_at"])
    later = (due + timedelta(days=3)).isoformat()
    call(w, "reception", "POST", f"/dossiers/{code}/apology", {
        "reason": "Chờ kết quả xác minh của cơ quan công an", "new_appointment": later})
    complete(w, "dept-specialist", code, "appraisal", {"appraisal_decision": "supplement"})
    complete(w, "dept-specialist", code, "request_supplement", {
        "supplement_reason": "Thiếu giấy tờ cư trú",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"]})

    seen = public(w, f"/dossiers/{code}", id_number="001095012345").get_json()
    assert [(d["kind"], d["form"]) for d in seen["documents"]] == [
        ("receipt", "01"), ("apology", "04"), ("supplement_request", "02")]
    assert datetime.fromisoformat(seen["appointment"]) == datetime.fromisoformat(later)
    by_kind = {d["kind"]: d["id"] for d in seen["documents"]}
    apology = notice_text(w, code, by_kind["apology"])
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology and code in apology
    assert "Lý do: Chờ kết quả xác minh của cơ quan công an" in apology
    assert format_instant(later) in apology and format_instant(due.isoformat()) in apology
    assert "Giấy xác nhận thông tin về cư trú" in notice_text(w, code,
                                                              by_kind["supplement_request"])

    listed = call(w, "auditor", "GET", f"/dossiers/{code}/documents")["documents"]
    assert {d["id"] for d in listed} == {*by_kind.values(), *internal}
    absent = public(w, f"/dossiers/{code}/documents/999999999", id_number="001095012345")
    assert absent.status_code == 404
    for document_id in internal:
        r = public(w, f"/dossiers/{code}/documents/{document_id}", id_number="001095012345")
        assert r.status_code == 404 and r.get_data(True) == absent.get_data(True).replace(
            "999999999", str(document_id))
        # The desk reads them; the lookup's proof never did.
        assert w.client.get(f"/api/v1/dossiers/{code}/documents/{document_id}",
                            headers=w.headers("demo-auditor")).status_code == 200


def upload(w: World, who: str, code: str, kind: str, name: str) -> int:
    r = w.client.post(f"/api/v1/dossiers/{code}/documents", data={
        "kind": kind, "file": [(io.BytesIO(pdf(name)), name)]},
        headers=w.headers(f"demo-{who}"), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    [made] = r.get_json()["documents"]
    return int(made["id"])
