"""The applicant's papers and the officers' results, submitted as files: kept in the file
store (a local directory here; an S3 server in test_document_store_s3.py), checked by
content, size and name before anything is kept, listed with the issued documents and
served only while they match their SHA-256."""
from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfgen import canvas

from engine.services.org.auth import create_principal
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem, history, official
from tests.conftest import World, make_world

LIMIT = 200_000
PROCEDURE = {
    "name": "Thủ tục thử", "process_key": "two_steps",
    "rules": [{"effective_from": "2025-07-01", "calendar": "vn",
               "limits": {"default": {"value": 3, "unit": "working_days"}}}],
    "documents": [{"kind": "request_form", "name": "Tờ khai"},
                  {"kind": "identity_papers", "name": "Bản chụp giấy tờ tùy thân"}],
    "document_formats": ["pdf", "jpeg", "png", "docx"],
}


def pdf(text: str = "Tờ khai") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 52 + b"PE\x00\x00" + b"\x00" * 64


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def set_up(w: World) -> dict[str, Any]:
    """The two-step process with its procedure's list of documents, and a dossier that
    the world's client started (its first task open at the world's unit)."""
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = w.client.put("/api/v1/procedures/thu", json=PROCEDURE, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    r = w.client.post("/api/v1/dossiers", headers=w.headers("client"), json={
        "process_key": "two_steps", "applicant": {"name": "Nguyễn Văn A"}, "data": {}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def upload(w: World, code: str, files: list[tuple[bytes, str]], kind: str = "identity_papers",
           who: str = "client") -> Any:
    data: dict[str, Any] = {"kind": kind, "file": [(io.BytesIO(b), n) for b, n in files]}
    return w.client.post(f"/api/v1/dossiers/{code}/documents", data=data,
                         headers=w.headers(who), content_type="multipart/form-data")


def listed(w: World, code: str, who: str = "auditor") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/dossiers/{code}/documents", headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["documents"]  # type: ignore[no-any-return]


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def office(db_url: str, tmp_path: Path) -> Iterator[tuple[World, dict[str, Any], Path]]:
    files = tmp_path / "files"
    w = make_world(db_url, files_dir=str(files), max_document_bytes=LIMIT,
                   max_document_files=3)
    yield w, set_up(w), files
    w.ctx.db_engine.dispose()


def test_upload_and_download_round_trip(office: tuple[World, dict[str, Any], Path]) -> None:
    w, d, files = office
    code = d["code"]
    paper, scan = pdf(), PNG
    r = upload(w, code, [(paper, "Căn cước công dân.pdf"), (scan, "mat-sau.jpg")])
    assert r.status_code == 201, r.get_json()
    made = r.get_json()["documents"]
    assert [(m["kind"], m["file_name"], m["content_type"], m["source"], m["created_by"])
            for m in made] == [
        ("identity_papers", "Căn cước công dân.pdf", "application/pdf", "submitted", "client"),
        # what the bytes are, not what the name says
        ("identity_papers", "mat-sau.jpg", "image/png", "submitted", "client")]
    assert [m["sha256"] for m in made] == [hashlib.sha256(b).hexdigest() for b in (paper, scan)]
    assert [m["size"] for m in made] == [len(paper), len(scan)]
    # Kept under their SHA-256, never under the client's name.
    assert [p.name for p in stored_files(files)] == sorted(m["sha256"] for m in made)
    # Listed with the issued receipt, oldest first.
    docs = listed(w, code, who="client")
    assert [(x["kind"], x["source"]) for x in docs] == [
        ("receipt", "issued"), ("identity_papers", "submitted"),
        ("identity_papers", "submitted")]
    assert docs[0]["created_by"] == "client"  # issued at its intake
    for m, content in zip(made, (paper, scan)):
        got = w.client.get(f"/api/v1/dossiers/{code}/documents/{m['id']}",
                           headers=w.headers("auditor"))
        assert got.status_code == 200
        assert got.data == content
        assert got.mimetype == m["content_type"]
        assert got.headers["ETag"] == f'"{m["sha256"]}"'
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    got = w.client.get(f"/api/v1/dossiers/{code}/documents/{made[0]['id']}",
                       headers=w.headers("officer"))
    assert got.headers["Content-Disposition"] == (
        "inline; filename=\"C_n c__c c_ng d_n.pdf\"; "
        "filename*=UTF-8''C%C4%83n%20c%C6%B0%E1%BB%9Bc%20c%C3%B4ng%20d%C3%A2n.pdf")
    # The history says what was submitted, not the bytes.
    events = [e for e in history(w, code) if e["kind"] == "document.submitted"]
    assert [(e["payload"]["kind"], e["payload"]["name"], e["payload"]["size"],
             e["payload"]["sha256"]) for e in events] == [
        (m["kind"], m["file_name"], m["size"], m["sha256"]) for m in made]
    assert all(set(e["payload"]) == {"document_id", "kind", "name", "size", "sha256",
                                     "content_type", "by", "role", "actor"} for e in events)
    r = w.client.get(f"/api/v1/dossiers/{code}/history/verify", headers=w.headers("auditor"))
    assert r.status_code == 200 and r.get_json()["intact"] is True, r.get_json()


def test_office_formats_the_procedure_allows(office: tuple[World, dict[str, Any], Path]
                                             ) -> None:
    w, d, _ = office
    r = upload(w, d["code"], [(docx(), "to-khai.docx")], kind="request_form")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["documents"][0]["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@pytest.mark.parametrize(("files", "kind", "status", "code", "field"), [
    ([(EXE, "giay-to.pdf")], "identity_papers", 422, "file-type-refused", "file"),
    ([(b"just some text", "note.pdf")], "identity_papers", 422, "file-type-refused", "file"),
    ([(b"%PDF-1.4\n" + b"0" * LIMIT, "big.pdf")], "identity_papers", 413, "too-large", "file"),
    ([(pdf(), "../../etc/passwd")], "identity_papers", 422, "invalid-input", "file"),
    ([(pdf(), "a/b.pdf")], "identity_papers", 422, "invalid-input", "file"),
    ([(pdf(), "..")], "identity_papers", 422, "invalid-input", "file"),
    ([(pdf(), "x\x00.pdf")], "identity_papers", 422, "invalid-input", "/file"),
    ([(pdf(), "ok.pdf"), (EXE, "bad.pdf")], "identity_papers", 422, "file-type-refused",
     "file"),
    ([(pdf(), "a.pdf")] * 4, "identity_papers", 422, "invalid-input", "file"),
    ([], "identity_papers", 422, "invalid-input", "file"),
    ([(pdf(), "ok.pdf")], "birth_certificate", 422, "invalid-input", "kind"),
    ([(pdf(), "ok.pdf")], "other", 422, "invalid-input", "kind"),  # not allowed here
    ([(pdf(), "ok.pdf")], "", 422, "invalid-input", "kind"),
])
def test_refused_uploads_keep_nothing(office: tuple[World, dict[str, Any], Path],
                                      files: list[tuple[bytes, str]], kind: str, status: int,
                                      code: str, field: str) -> None:
    w, d, root = office
    before = len(history(w, d["code"]))
    r = upload(w, d["code"], files, kind=kind)
    body = assert_problem(r, status, code)
    assert field in {e["field"] for e in body.get("errors", [])}, body
    assert stored_files(root) == []
    assert [x["kind"] for x in listed(w, d["code"])] == ["receipt"]
    assert len(history(w, d["code"])) == before


def test_a_tampered_or_lost_file_is_reported_never_served(
        office: tuple[World, dict[str, Any], Path], caplog: pytest.LogCaptureFixture) -> None:
    w, d, root = office
    r = upload(w, d["code"], [(pdf("một"), "mot.pdf"), (pdf("hai"), "hai.pdf")])
    assert r.status_code == 201, r.get_json()
    first, second = r.get_json()["documents"]
    path = next(p for p in stored_files(root) if p.name == first["sha256"])
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOX"))
    caplog.set_level(logging.ERROR)
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{first['id']}",
                     headers=w.headers("client"))
    assert_problem(r, 500, "document-corrupt")
    assert b"%PDF" not in r.data
    assert any(first["sha256"] in m for m in caplog.messages), caplog.messages
    next(p for p in stored_files(root) if p.name == second["sha256"]).unlink()
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{second['id']}",
                     headers=w.headers("client"))
    assert_problem(r, 500, "document-corrupt")


def test_who_may_submit_and_read(office: tuple[World, dict[str, Any], Path]) -> None:
    w, d, root = office
    code = d["code"]
    other_unit = official()
    w.register_unit(other_unit)
    w.principal("other_client", "client", unit=w.unit)
    w.principal("elsewhere", "officer", unit=other_unit, position="officer")
    w.principal("desk", "officer", unit=w.unit, position="reception")
    w.principal("colleague", "officer", unit=w.unit, position="reception")
    province2 = "Q" + w.province
    for name, role in (("p2_client", "client"), ("p2_officer", "officer")):
        unit = official()
        w.register_unit(unit, province=province2)
        _, w.tokens[name] = create_principal(w.ctx, name=name, role=role, province=province2,
                                             unit=unit, position="officer"
                                             if role == "officer" else None)
    for who in ("other_client", "elsewhere", "p2_client", "p2_officer"):
        assert_problem(upload(w, code, [(pdf(), "a.pdf")], who=who), 404, "not-found")
    for who in ("auditor", "designer", "admin"):
        assert_problem(upload(w, code, [(pdf(), "a.pdf")], who=who), 403, "forbidden")
    # The result is the officers' to upload, never the client's; an officer of the unit
    # outside the task's lane may upload nothing.
    assert_problem(upload(w, code, [(pdf(), "a.pdf")], who="officer"), 403, "forbidden")
    assert_problem(upload(w, code, [(pdf(), "kq.pdf")], kind="result"), 403, "forbidden")
    # An officer of the task's lane may, while nobody holds it; once it is held, its holder.
    task = d["current_steps"][0]["task_id"]
    r = w.client.post(f"/api/v1/tasks/{task}/claim", headers=w.headers("desk"))
    assert r.status_code == 200, r.get_json()
    assert_problem(upload(w, code, [(pdf(), "a.pdf")], who="colleague"), 403, "forbidden")
    r = upload(w, code, [(pdf("Phiếu"), "phieu.pdf")], kind="result", who="desk")
    assert r.status_code == 201, r.get_json()
    result = r.get_json()["documents"][0]
    assert (result["kind"], result["created_by"]) == ("result", "desk")
    assert upload(w, code, [(pdf(), "to-khai.pdf")], kind="request_form",
                  who="desk").status_code == 201
    assert [p.name for p in stored_files(root)] != []
    # Reading: whoever may read the dossier; no one outside it.
    url = f"/api/v1/dossiers/{code}/documents/{result['id']}"
    assert w.client.get(url, headers=w.headers("client")).status_code == 200
    for who in ("other_client", "elsewhere", "p2_client", "p2_officer"):
        assert_problem(w.client.get(url, headers=w.headers(who)), 404, "not-found")
        assert_problem(w.client.get(f"/api/v1/dossiers/{code}/documents",
                                    headers=w.headers(who)), 404, "not-found")
    with w.ctx.uow(readonly=True) as uow:
        kinds = [x.kind for x in uow.repo.documents_of(int(_dossier_id(w, code)))]
    assert kinds == ["receipt", "result", "request_form"]


def test_an_ended_dossier_takes_no_more(office: tuple[World, dict[str, Any], Path]) -> None:
    w, d, root = office
    r = w.client.post(f"/api/v1/dossiers/{d['code']}/withdraw", headers=w.headers("client"),
                      json={"reason": "Rút hồ sơ"})
    assert r.status_code == 200, r.get_json()
    assert_problem(upload(w, d["code"], [(pdf(), "a.pdf")]), 409, "dossier-ended")
    assert stored_files(root) == []


def _dossier_id(w: World, code: str) -> int:
    from sqlalchemy import select

    from engine.store.models import Dossier

    with w.ctx.uow(readonly=True) as uow:
        found = uow.repo.session.scalar(select(Dossier.id).where(
            Dossier.province == w.province, Dossier.code == code))
    assert found is not None
    return int(found)



def test_papers_outside_the_list_where_the_procedure_allows(
        office: tuple[World, dict[str, Any], Path]) -> None:
    w, d, _ = office
    r = w.client.put("/api/v1/procedures/thu", json={**PROCEDURE, "other_documents": True},
                     headers=w.headers("designer"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["other_documents"] is True
    r = upload(w, d["code"], [(pdf(), "thu-gioi-thieu.pdf")], kind="other")
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize(("change", "field"), [
    ({"documents": [{"kind": "result", "name": "Kết quả"}]}, "documents[0].kind"),
    ({"documents": [{"kind": "Tờ khai", "name": "Tờ khai"}]}, "documents[0].kind"),
    ({"documents": [{"kind": "to_khai"}]}, "documents[0].name"),
    ({"documents": [{"kind": "a", "name": "A"}, {"kind": "a", "name": "B"}]},
     "documents[1].kind"),
    ({"documents": "to_khai"}, "documents"),
    ({"other_documents": "yes"}, "other_documents"),
    ({"document_formats": ["pdf", "exe"]}, "document_formats"),
])
def test_a_procedure_lists_its_documents_plainly(world: World, change: dict[str, Any],
                                                 field: str) -> None:
    r = world.client.put("/api/v1/procedures/thu", json={**PROCEDURE, **change},
                         headers=world.headers("designer"))
    body = assert_problem(r, 422, "invalid-input")
    assert field in {e["field"] for e in body["errors"]}, body


def test_a_body_beyond_every_file_allowed_is_refused_unread(
        office: tuple[World, dict[str, Any], Path]) -> None:
    w, d, root = office
    big = b"%PDF-1.4\n" + b"0" * (LIMIT - 20)
    r = upload(w, d["code"], [(big, f"{i}.pdf") for i in range(4)])
    body = assert_problem(r, 413, "too-large")
    assert "MOTCUA_MAX_DOCUMENT_FILES" in body["detail"], body
    assert stored_files(root) == []
