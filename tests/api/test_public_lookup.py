"""The public side of a dossier on the demo: the applicant looks it up with its code and
their identity number or the secret printed on the receipt, downloads the notices addressed
to them, and rates the service once its result is given; nothing answers without the proof,
and a wrong proof looks like a missing dossier."""
from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from api.demo import DEPARTMENT, PRINCIPALS, UNIT, load_demo
from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.api.test_officer_day import APPLICANT, DATA, call, step
from tests.conftest import World


def make_demo(db_url: str, **overrides: Any) -> tuple[World, ManualClock]:
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

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


def secret_on_the_receipt(w: World, code: str, document_id: int) -> str:
    r = public(w, f"/dossiers/{code}/documents/{document_id}", id_number="001095012345")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = unicodedata.normalize("NFC", " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages))
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
