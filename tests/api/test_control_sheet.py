"""The process control sheet (form 06): a PDF of every hand-over of the dossier, for whoever
may read its history."""
from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader

from tests.api.helpers import complete, dossier, official, post_bpmn, started, step
from tests.api.test_routing import diagram
from tests.conftest import World


def sheet_text(world: World, code: str, who: str = "auditor") -> str:
    r = world.client.get(f"/api/v1/dossiers/{code}/control-sheet?format=pdf",
                         headers=world.headers(who))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/pdf"
    assert f"phieu-kiem-soat-{code}.pdf" in r.headers["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_every_hand_over_is_on_the_sheet(world: World) -> None:
    department = official()
    world.register_unit(department)
    steps = [("receive", "reception", "receiving"), ("appraise", "specialist", department)]
    assert post_bpmn(world, diagram(steps)).status_code == 201
    world.principal("Lê Thị Tiếp Nhận", "officer", unit=world.unit, position="reception")
    code = started(world, process_key="handover")["code"]
    task = step(dossier(world, code), "receive")["task_id"]
    r = world.client.post(f"/api/v1/tasks/{task}/complete", json={"data": {}},
                          headers=world.headers("Lê Thị Tiếp Nhận"))
    assert r.status_code == 200, r.get_json()
    text = sheet_text(world, code)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and code in text
    assert "1. receive" in text and "2. appraise" in text
    assert f"Unit {department}" in text and "Lê Thị Tiếp Nhận" in text
    assert "Đúng hạn" in text and "Đang giải quyết" in text
    sheet = world.client.get(f"/api/v1/dossiers/{code}/control-sheet",
                             headers=world.headers("auditor")).get_json()
    assert [(s["name"], s["result"]) for s in sheet["steps"]] == [
        ("receive", "on_time"), ("appraise", "open")]
    assert [(s["handed_by"], s["received_by"]) for s in sheet["steps"]] == [
        (f"Bộ phận tiếp nhận và trả kết quả — Unit {world.unit}",
         f"Unit {world.unit} (reception)"),
        (f"Unit {world.unit} (reception)", f"Unit {department} (specialist)")]
    r = world.client.get(f"/api/v1/dossiers/{code}/control-sheet?format=csv",
                         headers=world.headers("auditor"))
    assert r.mimetype == "text/csv"
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("step,name") and len(lines) == 3 and "Lê Thị Tiếp Nhận" in lines[1]
    bad = world.client.get(f"/api/v1/dossiers/{code}/control-sheet?format=xlsx",
                           headers=world.headers("auditor"))
    assert bad.status_code == 422


def test_the_sheet_is_for_those_who_may_read_the_history(two_steps: World) -> None:
    world = two_steps
    code = started(world)["code"]
    complete(world, step(dossier(world, code), "receive")["task_id"], {"copies": 1})
    assert code in sheet_text(world, code, "client")
    for who, status in (("designer", 403), ("admin", 403)):
        r = world.client.get(f"/api/v1/dossiers/{code}/control-sheet",
                             headers=world.headers(who))
        assert r.status_code == status, who
