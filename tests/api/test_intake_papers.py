"""An integration client starts a dossier with the applicant's papers: multipart, the
dossier's JSON in part `dossier` and each paper in a part `file.<kind>`. The papers are
kept with the dossier in one transaction: a refused one refuses the whole intake (no
dossier, no code number taken, no document, no file), and a retry returns the first."""
from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem, history
from tests.api.test_submitted_documents import EXE, PNG, PROCEDURE, listed, pdf, stored_files
from tests.conftest import World, make_world

LIMIT = 200_000
DOSSIER = {"process_key": "two_steps", "applicant": {"name": "Nguyễn Văn A"}, "data": {}}


@pytest.fixture
def office(db_url: str, tmp_path: Path) -> Iterator[tuple[World, Path]]:
    files = tmp_path / "files"
    w = make_world(db_url, files_dir=str(files), max_document_bytes=LIMIT,
                   max_document_files=3)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = w.client.put("/api/v1/procedures/thu", json=PROCEDURE, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    yield w, files
    w.ctx.db_engine.dispose()


def start(w: World, papers: list[tuple[str, bytes, str]], body: Any = None,
          key: str | None = None, **parts: Any) -> Any:
    data: dict[str, Any] = {"dossier": json.dumps(DOSSIER if body is None else body), **parts}
    for part, content, name in papers:
        data.setdefault(part, []).append((io.BytesIO(content), name))
    headers = w.headers("client") | ({"Idempotency-Key": key} if key else {})
    return w.client.post("/api/v1/dossiers", data=data, headers=headers,
                         content_type="multipart/form-data")


def dossiers(w: World) -> int:
    r = w.client.get("/api/v1/dossiers", headers=w.headers("auditor"))
    return int(r.get_json()["total"])


def test_papers_come_with_the_dossier(office: tuple[World, Path]) -> None:
    w, root = office
    form, scan, back = pdf("Tờ khai"), PNG, pdf("mặt sau")
    papers = [("file.request_form", form, "tờ khai.pdf"),
              ("file.identity_papers", scan, "cccd-truoc.png"),
              ("file.identity_papers", back, "cccd-sau.pdf")]
    r = start(w, papers, key="with-papers")
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert r.get_json()["current_steps"][0]["element_id"] == "receive"
    docs = listed(w, code, who="client")
    assert (docs[0]["kind"], docs[0]["source"]) == ("receipt", "issued")
    assert [(d["kind"], d["file_name"], d["source"]) for d in docs[1:]] == [
        ("request_form", "tờ khai.pdf", "submitted"),
        ("identity_papers", "cccd-truoc.png", "submitted"),
        ("identity_papers", "cccd-sau.pdf", "submitted")]
    got = w.client.get(f"/api/v1/dossiers/{code}/documents/{docs[1]['id']}",
                       headers=w.headers("officer"))
    assert got.status_code == 200 and got.data == form
    assert docs[2]["sha256"] == hashlib.sha256(scan).hexdigest()
    assert len(stored_files(root)) == 3
    # One transaction: received, its steps, then the papers; the record verifies.
    kinds = [e["kind"] for e in history(w, code)]
    assert kinds[0] == "dossier.received" and kinds.count("document.submitted") == 3
    verdict = w.client.get(f"/api/v1/dossiers/{code}/history/verify",
                           headers=w.headers("auditor")).get_json()
    assert verdict["intact"] is True, verdict["first_divergence"]
    # A retry with the same key and papers is the first dossier; other papers are refused.
    again = start(w, papers, key="with-papers")
    assert again.status_code == 200 and again.get_json()["code"] == code
    other = start(w, [("file.request_form", pdf("khác"), "tờ khai.pdf")], key="with-papers")
    assert_problem(other, 422, "idempotency-key-reused")
    assert len(listed(w, code)) == 4


def test_the_json_part_may_be_sent_as_a_file(office: tuple[World, Path]) -> None:
    w, _ = office
    r = w.client.post("/api/v1/dossiers", headers=w.headers("client"),
                      content_type="multipart/form-data", data={
                          "dossier": (io.BytesIO(json.dumps(DOSSIER).encode()), "body.json"),
                          "file.request_form": (io.BytesIO(pdf()), "to-khai.pdf")})
    assert r.status_code == 201, r.get_json()
    assert [d["kind"] for d in listed(w, r.get_json()["code"])] == ["receipt", "request_form"]


@pytest.mark.parametrize(("papers", "body", "status", "code", "field"), [
    ([("file.request_form", pdf(), "ok.pdf"), ("file.identity_papers", EXE, "cccd.pdf")],
     None, 422, "file-type-refused", "file.identity_papers"),
    ([("file.birth_certificate", pdf(), "ok.pdf")], None, 422, "invalid-input",
     "file.birth_certificate"),
    ([("file.result", pdf(), "ok.pdf")], None, 422, "invalid-input", "file.result"),
    ([("file.request_form", b"%PDF-1.4\n" + b"0" * LIMIT, "big.pdf")], None, 413, "too-large",
     "file.request_form"),
    ([("file.request_form", pdf(), "../x.pdf")], None, 422, "invalid-input",
     "file.request_form"),
    ([("file.request_form", pdf(), "a.pdf")] * 4, None, 422, "invalid-input",
     "file.request_form"),
    ([("paper", pdf(), "a.pdf")], None, 422, "invalid-input", "paper"),
    ([("file.request_form", pdf(), "a.pdf")], {**DOSSIER, "process_key": ""}, 422,
     "invalid-input", "dossier/process_key"),
    ([("file.request_form", pdf(), "a.pdf")], {**DOSSIER, "applicant": "x"}, 422,
     "invalid-input", "dossier/applicant"),
    ([("file.request_form", pdf(), "a.pdf")], {**DOSSIER, "process_key": "nothing_here"},
     404, "not-found", "process_key"),
])
def test_a_refused_paper_refuses_the_dossier(office: tuple[World, Path],
                                             papers: list[tuple[str, bytes, str]], body: Any,
                                             status: int, code: str, field: str) -> None:
    w, root = office
    r = start(w, papers, body)
    problem = assert_problem(r, status, code)
    assert field in {e["field"] for e in problem.get("errors", [])}, problem
    assert dossiers(w) == 0 and stored_files(root) == []
    # No code number was taken: the next dossier of the day is the first.
    ok = start(w, [("file.request_form", pdf(), "a.pdf")])
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["code"].endswith("-0001"), ok.get_json()["code"]


@pytest.mark.parametrize(("dossier", "field"), [
    ("{not json", "dossier"),
    ('{"process_key": "two_steps", "applicant": {"n": "\\u0000"}}', "dossier/applicant/n"),
    ('{"process_key": "two_steps", "applicant": {}, "data": {"n": 1e999}}', "dossier"),
    ('{"process_key": "two_steps", "applicant": {}, "data": {"n": 123456789012345678901}}',
     "dossier/data/n"),
    ("[" * 80 + "]" * 80, None),
])
def test_the_dossier_part_is_checked_as_a_json_body_is(office: tuple[World, Path],
                                                       dossier: str, field: str | None
                                                       ) -> None:
    w, root = office
    r = w.client.post("/api/v1/dossiers", headers=w.headers("client"),
                      content_type="multipart/form-data", data={
                          "dossier": dossier,
                          "file.request_form": (io.BytesIO(pdf()), "to-khai.pdf")})
    problem = assert_problem(r, 422, "invalid-input")
    fields = {e["field"] for e in problem.get("errors", [])}
    assert field in fields if field else any(f.startswith("dossier") for f in fields), problem
    assert dossiers(w) == 0 and stored_files(root) == []


def test_without_the_dossier_part_nothing_is_started(office: tuple[World, Path]) -> None:
    w, _ = office
    r = w.client.post("/api/v1/dossiers", headers=w.headers("client"),
                      content_type="multipart/form-data",
                      data={"file.request_form": (io.BytesIO(pdf()), "to-khai.pdf")})
    assert "dossier" in {e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]}
    assert dossiers(w) == 0
