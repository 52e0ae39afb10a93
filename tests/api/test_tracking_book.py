"""The tracking book (form 07): a unit's register of the dossiers it received or was handed
in a period, as JSON, CSV and PDF, for its own officers, auditors and administrators."""
from __future__ import annotations

import io
import unicodedata
from datetime import timedelta
from typing import Any

from pypdf import PdfReader

from engine.clock import ManualClock
from tests.api.helpers import assert_problem, complete, dossier, official, post_bpmn, step
from tests.api.test_routing import diagram
from tests.conftest import World

APPLICANT = {"name": "Phạm Thị Hồng Nhung", "address": "Số 5 phố Hàng Bạc",
             "phone": "0912345678"}


def _start(w: World, name: str, unit: str | None = None) -> str:
    body: dict[str, Any] = {"process_key": "handover", "applicant": {**APPLICANT, "name": name},
                            "data": {}}
    if unit:
        body["unit"] = unit
    r = w.client.post("/api/v1/dossiers", json=body, headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def _book(w: World, unit: str, query: str, who: str = "auditor") -> Any:
    return w.client.get(f"/api/v1/units/{unit}/tracking-book?{query}", headers=w.headers(who))


def _scene(clocked: tuple[World, ManualClock]) -> tuple[World, str, dict[str, str]]:
    """Dossiers: one received 40 days ago, one received today and handed to the
    department, one of another unit today."""
    w, clock = clocked
    department, other = official(), official()
    w.register_unit(department)
    w.register_unit(other)
    steps = [("receive", "reception", "receiving"), ("appraise", "specialist", department),
             ("give_result", "reception", "receiving")]
    assert post_bpmn(w, diagram(steps)).status_code == 201
    clock.advance(timedelta(days=-40))
    old = _start(w, "Lê Văn Cũ")
    clock.advance(timedelta(days=40))
    today = _start(w, "Phạm Thị Hồng Nhung")
    task = step(dossier(w, today), "receive")["task_id"]
    assert complete(w, task, {}).status_code == 200
    clock.advance(timedelta(hours=3))
    task = step(dossier(w, today), "appraise")["task_id"]
    assert complete(w, task, {}).status_code == 200  # the result goes back to the desk
    elsewhere = _start(w, "Đỗ Văn Khác", unit=other)
    return w, department, {"old": old, "today": today, "elsewhere": elsewhere,
                           "other_unit": other}


def test_the_book_lists_the_unit_s_dossiers_of_the_period(
        clocked: tuple[World, ManualClock]) -> None:
    w, department, codes = _scene(clocked)
    r = _book(w, w.unit, "from=2026-03-01&to=2026-03-02")
    assert r.status_code == 200, r.get_json()
    book = r.get_json()
    assert (book["unit_code"], book["unit_name"]) == (w.unit, f"Unit {w.unit}")
    assert [row["dossier_code"] for row in book["rows"]] == [codes["today"]]
    row = book["rows"][0]
    assert row["applicant_name"] == "Phạm Thị Hồng Nhung"
    assert row["applicant_phone"] == "0912345678"
    assert row["handed_over_to"] == f"Unit {department}" and row["handed_over_at"]
    assert row["result_back_at"] > row["handed_over_at"]
    assert row["status"] == "in_process" and row["returned_at"] is None
    # The department was handed it today; the whole period holds the old one too.
    handed = _book(w, department, "from=2026-03-02&to=2026-03-02").get_json()
    assert [x["dossier_code"] for x in handed["rows"]] == [codes["today"]]
    wide = _book(w, w.unit, "from=2026-01-01&to=2026-03-31").get_json()
    assert [x["dossier_code"] for x in wide["rows"]] == [codes["old"], codes["today"]]

    r = _book(w, w.unit, "from=2026-01-01&to=2026-03-31&format=csv")
    assert r.mimetype == "text/csv" and r.data.startswith("\ufeff".encode())
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("n,dossier_code,procedure,applicant_name")
    assert len(lines) == 3 and codes["today"] in lines[2] and "Phạm Thị Hồng Nhung" in lines[2]

    r = _book(w, w.unit, "from=2026-01-01&to=2026-03-31&format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert f"so-theo-doi-{w.unit}-2026-01-01-2026-03-31.pdf" in r.headers["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    text = " ".join(unicodedata.normalize("NFC", text).split())
    assert "SỔ THEO DÕI HỒ SƠ" in text and f"UNIT {w.unit}" in text
    assert codes["old"] in text and codes["today"] in text
    assert "Phạm Thị Hồng Nhung" in text and "Lê Văn Cũ" in text
    assert codes["elsewhere"] not in text and "Đỗ Văn Khác" not in text


def test_many_dossiers_run_onto_more_pages(clocked: tuple[World, ManualClock]) -> None:
    w, _, codes = _scene(clocked)
    made = [_start(w, f"Nguyễn Thị Số {n}") for n in range(30)]
    r = _book(w, w.unit, "from=2026-03-02&to=2026-03-02&format=pdf")
    pages = PdfReader(io.BytesIO(r.data)).pages
    assert len(pages) > 1
    text = " ".join(p.extract_text() for p in pages)
    assert all(code in text for code in made) and "Mã hồ sơ" in pages[-1].extract_text()


def test_who_may_read_the_book(clocked: tuple[World, ManualClock]) -> None:
    w, department, codes = _scene(clocked)
    query = "from=2026-03-02&to=2026-03-02"
    assert _book(w, w.unit, query, "officer").status_code == 200
    admin = _book(w, w.unit, query, "admin").get_json()
    assert admin["applicants_shown"] is False
    assert [x["dossier_code"] for x in admin["rows"]] == [codes["today"]]
    assert "Phạm Thị Hồng Nhung" not in str(admin)
    for who in ("client", "designer"):
        assert_problem(_book(w, w.unit, query, who), 403, "forbidden")
    assert_problem(_book(w, department, query, "officer"), 403, "forbidden")
    # Another province's unit is no unit at all.
    far = official()
    w.register_unit(far, province="Q" + w.province)
    assert_problem(_book(w, far, query), 404, "not-found")
    assert_problem(_book(w, "NO.SUCH.UNIT", query), 404, "not-found")


def test_the_period_is_checked(clocked: tuple[World, ManualClock]) -> None:
    w, _ = clocked
    for query, field in (("to=2026-03-02", "from"), ("from=2026-03-02", "to"),
                         ("from=2026-03-05&to=2026-03-02", "to"),
                         ("from=2025-01-01&to=2026-01-02", "to"),
                         ("from=2026-13-01&to=2026-03-02", "from"),
                         ("from=2026-03-01&to=2026-03-02&format=xlsx", "format"),
                         ("from=2026-03-01&to=2026-03-02&page=2", "page")):
        r = _book(w, w.unit, query)
        assert r.status_code == 422, (query, r.get_json())
        assert field in r.get_data(as_text=True), (query, r.get_json())
    assert _book(w, w.unit, "from=2025-03-03&to=2026-03-03").status_code == 200  # 366 days
