"""The receipt and appointment slip (form 01) issued with the dossier and served as a PDF."""
from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from engine.clock import ManualClock
from engine.documents import format_instant
from engine.store.models import Document
from tests.api.helpers import assert_problem, official
from tests.conftest import World, make_world

ROOT = Path(__file__).resolve().parents[2]
VN = timezone(timedelta(hours=7))
PROCEDURE = json.loads((ROOT / "processes" / "household_business_registration.procedure.json")
                       .read_text(encoding="utf-8"))
NAME = "Nguyễn Thị Hồng Nhung"
DATA = {"household_name": "Phở Bà Nhung", "owner_name": NAME, "owner_id_number": "001185012345",
        "business_address": "Yên Bình", "business_line": "Ăn uống", "capital_vnd": 150000000,
        "documents": ["Giấy đề nghị đăng ký hộ kinh doanh",
                      {"name": "Bản sao căn cước công dân", "original": False, "copies": 2}]}


@pytest.fixture
def office(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    """The shipped procedure (3 working days) at a registered centre under its committee."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 30, tzinfo=VN))  # a Monday
    w = make_world(db_url, clock=clock)
    parent, centre = official(), official()
    for code, name, kind, up in ((parent, "Ủy ban nhân dân xã Yên Bình", "commune_committee",
                                  None),
                                 (centre, "Trung tâm Phục vụ hành chính công xã Yên Bình",
                                  "commune_centre", parent)):
        r = w.client.post("/api/v1/units", headers=w.headers("admin"), json={
            "code": code, "name": name, "kind": kind, "parent": up})
        assert r.status_code == 201, r.get_json()
    w.unit = centre
    w.principal("Trần Văn Đức", "officer", unit=centre, position="reception")
    w.principal("portal", "client", unit=centre)
    w.principal("other_portal", "client", unit=centre)
    w.principal("elsewhere", "officer", unit=parent, position="reception")
    forms = sorted((ROOT / "forms").glob("hkd-*.json"))
    assert w.deploy(ROOT / "processes" / "household_business_registration.bpmn",
                    forms).status_code == 201
    body = {k: v for k, v in PROCEDURE.items() if k != "code"}
    r = w.client.put("/api/v1/procedures/hkd", json=body, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    yield w, clock
    w.ctx.db_engine.dispose()


def _intake(w: World, who: str = "Trần Văn Đức", channel: str = "desk",
            accept: bool = True) -> dict[str, Any]:
    """Submit the dossier and (`accept`) have the desk accept it: the receipt is issued then."""
    r = w.client.post("/api/v1/dossiers", headers=w.headers(who), json={
        "process_key": "household_business_registration", "channel": channel,
        "applicant": {"type": "citizen", "name": NAME, "address": "Số 12 Trần Phú",
                      "phone": "0912345678"}, "data": DATA})
    assert r.status_code == 201, r.get_json()
    if not accept:
        return r.get_json()  # type: ignore[no-any-return]
    task = r.get_json()["current_steps"][0]["task_id"]
    r = w.client.post(f"/api/v1/tasks/{task}/complete", headers=w.headers("Trần Văn Đức"),
                      json={"data": {"documents_checked": ["registration_request"],
                                     "reception_decision": "accept"}})
    assert r.status_code == 200, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _documents(w: World, code: str, who: str = "portal") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/dossiers/{code}/documents", headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["code"] == code
    return r.get_json()["documents"]  # type: ignore[no-any-return]


def _text(pdf: bytes) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_the_receipt_is_issued_at_acceptance_and_served_as_a_pdf(
        office: tuple[World, ManualClock]) -> None:
    w, _ = office
    submitted = _intake(w, accept=False)
    assert submitted["due_at"] is None
    assert _documents(w, submitted["code"], who="Trần Văn Đức") == []
    d = _intake(w)
    docs = _documents(w, d["code"], who="Trần Văn Đức")
    assert [(x["kind"], x["form"], x["content_type"]) for x in docs] == [
        ("receipt", "01", "application/pdf")]
    receipt = docs[0]
    assert receipt["file_name"] == f"phieu-tiep-nhan-{d['code']}.pdf"
    assert len(receipt["sha256"]) == 64 and receipt["size"] > 1000
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{receipt['id']}",
                     headers=w.headers("Trần Văn Đức"))
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == f'inline; filename="{receipt["file_name"]}"'
    assert r.headers["ETag"] == f'"{receipt["sha256"]}"'
    assert hashlib.sha256(r.data).hexdigest() == receipt["sha256"]
    assert len(r.data) == receipt["size"]
    text = _text(r.data)
    assert f"Mã hồ sơ: {d['code']}" in text
    assert NAME in text
    # Monday 09:30 + 3 working days: Thursday 09:30, as the dossier's due instant says.
    due = datetime.fromisoformat(d["due_at"])
    assert due.astimezone(VN) == datetime(2026, 3, 5, 9, 30, tzinfo=VN)
    assert format_instant(d["due_at"]) == "09 giờ 30 phút, ngày 05/03/2026"
    assert "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 30 phút, ngày 05/03/2026" in text
    assert "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 02/03/2026" in text
    for field in ("ỦY BAN NHÂN DÂN XÃ YÊN BÌNH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ YÊN BÌNH",
                  PROCEDURE["name"], "1) Giấy đề nghị đăng ký hộ kinh doanh",
                  "2) Bản sao căn cước công dân (bản sao, 2 bản)", "3 ngày làm việc",
                  "Số 12 Trần Phú", "0912345678", "Trần Văn Đức"):
        assert field in text, field
    # The same file again, and a conditional read of it.
    again = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{receipt['id']}",
                         headers=w.headers("auditor"))
    assert again.data == r.data
    cached = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{receipt['id']}",
                          headers={**w.headers("auditor"), "If-None-Match": r.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b""


def test_fetching_first_renders_and_stores_it(office: tuple[World, ManualClock]) -> None:
    w, _ = office
    d = _intake(w, who="portal", channel="online")
    assert d["due_at"] is not None
    with w.ctx.uow(readonly=True) as uow:
        dossier = uow.repo.dossier(w.province, d["code"])
        assert dossier is not None
        (doc,) = uow.repo.documents_of(dossier.id)
        assert doc.sha256 is None and doc.rendered_at is None  # issued, not yet rendered
        doc_id = doc.id
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{doc_id}",
                     headers=w.headers("portal"))
    assert r.status_code == 200
    assert "Trực tuyến qua Cổng dịch vụ công" in _text(r.data)
    with w.ctx.uow(readonly=True) as uow:
        stored = uow.repo.document(dossier.id, doc_id)
        assert stored is not None and stored.content == r.data
        assert stored.sha256 == hashlib.sha256(r.data).hexdigest()
    assert _documents(w, d["code"])[0]["sha256"] == stored.sha256


@pytest.mark.parametrize("tamper", ["content", "sha256"])
def test_a_file_that_no_longer_matches_its_checksum_is_refused(
        office: tuple[World, ManualClock], tamper: str) -> None:
    w, _ = office
    d = _intake(w, who="portal")
    (receipt,) = _documents(w, d["code"])  # rendered and stored
    url = f"/api/v1/dossiers/{d['code']}/documents/{receipt['id']}"
    assert w.client.get(url, headers=w.headers("portal")).status_code == 200
    changed = {"content": {"content": b"%PDF-1.4 something else"},
               "sha256": {"sha256": "0" * 64}}[tamper]
    with w.ctx.uow() as uow:
        uow.session.execute(update(Document).where(Document.id == receipt["id"])
                            .values(**changed))
        uow.commit()
    r = w.client.get(url, headers=w.headers("portal"))
    body = assert_problem(r, 500, "document-corrupt")
    assert "checksum" in body["detail"]
    assert b"%PDF" not in r.data


def test_documents_are_for_exactly_those_who_may_read_the_dossier(
        office: tuple[World, ManualClock]) -> None:
    w, _ = office
    d = _intake(w, who="portal", channel="online")
    (receipt,) = _documents(w, d["code"])
    paths = (f"/api/v1/dossiers/{d['code']}/documents",
             f"/api/v1/dossiers/{d['code']}/documents/{receipt['id']}")
    for path in paths:
        for who in ("portal", "Trần Văn Đức", "auditor"):
            assert w.client.get(path, headers=w.headers(who)).status_code == 200, (path, who)
        for who in ("other_portal", "elsewhere"):  # outside their scope: no such dossier
            assert_problem(w.client.get(path, headers=w.headers(who)), 404, "not-found")
        for who in ("designer", "admin"):  # no applicants' data for these roles
            assert_problem(w.client.get(path, headers=w.headers(who)), 403, "forbidden")
        assert w.client.get(path).status_code == 401
    # A document id of another dossier is not found through this dossier's code.
    other = _intake(w, who="portal")
    (theirs,) = _documents(w, other["code"])
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{theirs['id']}",
                     headers=w.headers("portal"))
    assert_problem(r, 404, "not-found")


def test_a_clock_started_later_issues_the_receipt_then(db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=VN))
    w = make_world(db_url, clock=clock)
    try:
        assert w.deploy(ROOT / "tests" / "api" / "data" / "starts_clock.bpmn",
                        []).status_code == 201
        r = w.client.put("/api/v1/procedures/online", json={
            "name": "Cấp phép trực tuyến", "process_key": "starts_clock", "rules": [{
                "effective_from": "2026-01-01",
                "limits": {"default": {"value": 2, "unit": "working_days"}}}]},
            headers=w.headers("designer"))
        assert r.status_code == 201, r.get_json()
        r = w.client.post("/api/v1/dossiers", json={
            "process_key": "starts_clock", "applicant": {"name": NAME}, "channel": "online"},
            headers=w.headers("client"))
        code = r.get_json()["code"]
        assert _documents(w, code, who="client") == []  # no appointment yet: no receipt
        clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=VN))  # accepted on Tuesday 10:00
        task = r.get_json()["current_steps"][0]["task_id"]
        r = w.client.post(f"/api/v1/tasks/{task}/complete", json={"data": {}},
                          headers=w.headers("officer"))
        assert r.status_code == 200, r.get_json()
        (receipt,) = _documents(w, code, who="client")
        pdf = w.client.get(f"/api/v1/dossiers/{code}/documents/{receipt['id']}",
                           headers=w.headers("client")).data
        text = _text(pdf)
        assert "Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 03/03/2026" in text
        assert "(Hồ sơ nộp lúc 08 giờ 00 phút, ngày 02/03/2026)" in text
        assert "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 05/03/2026" in text
        assert "Cấp phép trực tuyến" in text and "officer" in text  # who accepted it
    finally:
        w.ctx.db_engine.dispose()
