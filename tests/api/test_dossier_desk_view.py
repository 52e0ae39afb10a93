"""What the dossier page reads of one dossier: the statutory clock's remaining working time
(running, paused at the time left when it paused, past due), the acts of the desk the caller
may perform on it as it stands (each one the API then accepts), and the start form intake
checks, named with a version's forms."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.clock import ManualClock
from tests.api.helpers import assert_problem, dossier, official, started
from tests.api.test_supplement import ASK, act, bring, w  # noqa: F401 (the fixture)
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]


def test_the_remaining_working_time_runs_pauses_and_goes_negative(
        w: World, clocked: tuple[World, ManualClock]) -> None:  # noqa: F811
    clock = clocked[1]
    code = started(w, process_key="with_supplement")["code"]  # Monday 08:00, 5 working days
    assert dossier(w, code)["remaining_working_hours"] == pytest.approx(40.0)
    assert dossier(w, code)["procedure_name"] == "Thủ tục"  # as registered, for its page
    clock.advance(timedelta(hours=2))  # 10:00
    assert dossier(w, code)["remaining_working_hours"] == pytest.approx(38.0)
    act(w, code, "appraise", {"decision": "supplement"})
    act(w, code, "ask", ASK)  # paused at 10:00, 38 working hours left
    clock.advance(timedelta(days=2, hours=3))  # Wednesday 13:00: the time left waits
    paused = dossier(w, code, "officer")
    assert paused["paused"] is True and paused["remaining_working_hours"] == pytest.approx(38.0)
    r = bring(w, code, "officer")
    assert r.status_code == 200, r.get_json()
    # The due instant moved on by the working time paused: 38 hours left still.
    assert r.get_json()["remaining_working_hours"] == pytest.approx(38.0)
    clock.advance(timedelta(days=7, hours=1))  # a week on, 14:00: past due
    late = dossier(w, code)
    assert late["timeliness"] == "overdue"
    assert late["remaining_working_hours"] == pytest.approx(-2.5)  # due 09:30 that day
    r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", json={"reason": "Không cần nữa"},
                      headers=w.headers("officer"))
    assert r.status_code == 200, r.get_json()
    assert dossier(w, code)["remaining_working_hours"] is None


def test_the_acts_offered_are_those_the_api_accepts(w: World) -> None:  # noqa: F811
    elsewhere = official()
    w.register_unit(elsewhere)
    w.principal("elsewhere", "officer", unit=elsewhere, position="officer")
    code = started(w, process_key="with_supplement")["code"]
    assert dossier(w, code, "officer")["acts"] == ["withdraw", "stop", "apology"]
    assert dossier(w, code, "client")["acts"] == ["withdraw"]
    assert dossier(w, code, "auditor")["acts"] == []
    act(w, code, "appraise", {"decision": "supplement"})
    act(w, code, "ask", ASK)
    assert dossier(w, code, "officer")["acts"] == ["supplement", "withdraw", "stop", "apology"]
    assert dossier(w, code, "client")["acts"] == ["supplement", "withdraw"]
    assert_problem(w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("elsewhere")),
                   404, "not-found")

    later = (clock_now(w) + timedelta(days=30)).isoformat()
    r = w.client.post(f"/api/v1/dossiers/{code}/apology", headers=w.headers("officer"),
                      json={"reason": "Cần xác minh thêm", "new_appointment": later})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["acts"] == ["supplement", "withdraw", "stop"]  # moved once: no more
    assert bring(w, code, "officer").status_code == 200
    assert dossier(w, code, "officer")["acts"] == ["withdraw", "stop"]
    r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=w.headers("officer"),
                      json={"kind": "stopped", "reason": "Người nộp không bổ sung đúng hạn"})
    assert r.status_code == 200, r.get_json()
    assert dossier(w, code, "officer")["acts"] == []
    assert dossier(w, code, "client")["acts"] == []


def test_a_version_names_its_start_form(w: World) -> None:  # noqa: F811
    found = w.client.get("/api/v1/process-definitions/with_supplement/versions/1/forms",
                         headers=w.headers("officer")).get_json()
    assert found["start_form"] is None
    bpmn = ROOT / "processes" / "household_business_registration.bpmn"
    r = w.deploy(bpmn, sorted((ROOT / "forms").glob("hkd-*.json")))
    assert r.status_code == 201, r.get_json()
    found = w.client.get("/api/v1/process-definitions/household_business_registration/"
                         "versions/1/forms", headers=w.headers("officer")).get_json()
    assert found["start_form"] == "hkd-intake.json"
    assert "applicant" in found["forms"]["hkd-intake.json"]["properties"]
    assert json.dumps(found)  # plain JSON


def clock_now(world: World) -> datetime:
    return world.ctx.clock.now()
