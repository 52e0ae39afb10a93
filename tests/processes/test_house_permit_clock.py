"""The construction permit for a house under its published rules, over HTTP, on a clock the
test moves: accepted at the desk (form 01, 15 days), a supplement asked during appraisal
pauses the clock and its arrival moves the due instant; at the site inspection more time is
needed, the notice goes out and the receiving desk gives the one new appointment (form 04);
the permit is signed and returned with the fee on record."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import official
from tests.conftest import World, make_world

ROOT = Path(__file__).resolve().parents[2]
KEY = "construction_permit_house"
FORMS = ["gpxd-intake.json", "gpxd-reception.json", "gpxd-appraisal.json",
         "gpxd-inspection.json", "gpxd-extension.json", "gpxd-review.json",
         "gpxd-approval.json", "guidance.json", "refusal.json", "supplement-request.json",
         "result-return.json"]


def _scenario(name: str) -> dict[str, Any]:
    scenarios = json.loads((ROOT / "processes" / f"{KEY}.scenarios.json").read_text("utf-8"))
    return next(s for s in scenarios if s["name"] == name)


@pytest.fixture
def permit(db_url: str) -> Iterator[tuple[World, ManualClock, str]]:
    """A province with the procedure deployed as the demo loads it, and a commune."""
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock)
    commune = official()
    w.register_unit(commune, kind="commune_committee")
    w.principal("reception", "officer", unit=w.unit, position="reception")
    for position in ("specialist", "head_of_department", "leader"):
        w.principal(position, "officer", unit=commune, position=position)
    r = w.deploy(ROOT / "processes" / f"{KEY}.bpmn", [ROOT / "forms" / f for f in FORMS])
    assert r.status_code == 201, r.get_json()
    body = json.loads((ROOT / "processes" / f"{KEY}.procedure.json").read_text("utf-8"))
    r = w.client.put(f"/api/v1/procedures/{body.pop('code')}", json=body,
                     headers=w.headers("designer"))
    assert r.status_code in (200, 201), r.get_json()
    yield w, clock, commune
    w.ctx.db_engine.dispose()


def _dossier(w: World, code: str) -> dict[str, Any]:
    return dict(w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("auditor")).get_json())


def _do(w: World, code: str, who: str, element: str, data: dict[str, Any]) -> dict[str, Any]:
    [task] = [s for s in _dossier(w, code)["current_steps"] if s["element_id"] == element]
    r = w.client.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": data},
                      headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_supplement_pauses_and_the_new_appointment_is_given_once(
        permit: tuple[World, ManualClock, str]) -> None:
    w, clock, commune = permit
    scenario = _scenario("granted_after_site_inspection")
    steps = {s["task"]: s["data"] for s in scenario["steps"]}
    r = w.client.post("/api/v1/dossiers", json={
        "process_key": KEY, "applicant": {k: v for k, v in scenario["applicant"].items()
                                          if k != "channel"},
        "data": scenario["data"], "channel": "desk"}, headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]

    accepted = _do(w, code, "reception", "reception",
                   dict(steps["reception"], handling_unit=commune))
    assert _at(accepted["due_at"]) == MONDAY_8AM + timedelta(days=15)  # 15 calendar days

    clock.advance(timedelta(hours=1))
    _do(w, code, "specialist", "appraisal", {"appraisal_decision": "supplement"})
    paused = _do(w, code, "specialist", "request_supplement", {
        "supplement_reason": "Hồ sơ thiết kế chưa đủ",
        "missing_documents": ["Bản vẽ mặt bằng móng"]})
    assert paused["paused"] is True
    clock.advance(timedelta(days=3))
    r = w.client.post(f"/api/v1/dossiers/{code}/supplement", json={
        "documents": [{"kind": "Bản vẽ mặt bằng móng", "name": "mong.pdf"}],
        "note": "Nộp bổ sung", "channel": "desk"}, headers=w.headers("client"))
    assert r.status_code == 200, r.get_json()
    resumed = _dossier(w, code)
    assert resumed["paused"] is False
    assert _at(resumed["due_at"]) > _at(accepted["due_at"])  # moved by the time paused

    _do(w, code, "specialist", "appraisal", steps["appraisal"])
    _do(w, code, "specialist", "site_inspection", {"inspection_decision": "more_time"})
    _do(w, code, "specialist", "extension_notice", {
        "extension_reason": "Cần xác minh ranh giới với Văn phòng đăng ký đất đai",
        "extension_days": 7, "reported_to": "Ủy ban nhân dân tỉnh"})
    due = _at(resumed["due_at"])
    url = f"/api/v1/dossiers/{code}/apology"
    r = w.client.post(url, json={"reason": "Cần xác minh ranh giới thửa đất",
                                 "new_appointment": (due + timedelta(days=7)).isoformat()},
                      headers=w.headers("reception"))
    assert r.status_code == 200, r.get_json()
    assert _at(r.get_json()["new_appointment_at"]) == due + timedelta(days=7)
    r = w.client.post(url, json={"reason": "again", "new_appointment":
                                 (due + timedelta(days=9)).isoformat()},
                      headers=w.headers("reception"))
    assert r.status_code == 422 and r.get_json()["code"] == "apology-not-allowed"

    _do(w, code, "specialist", "site_inspection", steps["site_inspection"])
    _do(w, code, "head_of_department", "review", steps["review"])
    _do(w, code, "leader", "approval", steps["approval"])
    done = _do(w, code, "reception", "return_result", steps["return_result"])
    assert done["status"] == "finished" and done["timeliness"] == "early"
    assert done["data"]["fee_vnd"] == 75000 and done["data"]["permit_number"] == "GPXD-12-245"
