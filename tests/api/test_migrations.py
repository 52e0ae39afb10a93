"""Moving running household business registrations from version 1 to a version 2 that adds
a legal check, changes the grant condition and removes the supplement step."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.services.flow.migrations import MIGRATE_ACTOR, move_batch
from tests.api.deployments import API, HKD, hkd_forms, hkd_v2_xml
from tests.api.helpers import assert_problem, complete, dossier, history, official, step
from tests.conftest import ROOT, World, make_world

VN = timezone(timedelta(hours=7))
KEY = "household_business_registration"
MIGRATIONS = f"{API}/{KEY}/migrations"
PROCEDURE = json.loads((ROOT / "processes" / f"{KEY}.procedure.json").read_text("utf-8"))
DATA = {"household_name": "Phở Bà Nhung", "owner_name": "Nguyễn Thị Nhung",
        "owner_id_number": "001185012345", "business_address": "Yên Bình",
        "business_line": "Ăn uống", "capital_vnd": 150000000,
        "documents": ["Giấy đề nghị đăng ký hộ kinh doanh"]}
ACCEPT = {"documents_checked": ["registration_request"], "reception_decision": "accept"}
APPRAISE = {"appraisal_decision": "propose_approve", "draft_result": "Giấy chứng nhận"}


@pytest.fixture
def office(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(datetime(2026, 3, 2, 9, 30, tzinfo=VN))  # a Monday
    w = make_world(db_url, clock=clock)
    w.unit = official()
    r = w.client.post("/api/v1/units", headers=w.headers("admin"), json={
        "code": w.unit, "name": "Ủy ban nhân dân xã Yên Bình", "kind": "commune_committee"})
    assert r.status_code == 201, r.get_json()
    w.principal("desk", "officer", unit=w.unit, position="reception")
    _collect(w)
    assert w.deploy(HKD, sorted((ROOT / "forms").glob("hkd-*.json"))).status_code == 201
    body = {k: v for k, v in PROCEDURE.items() if k != "code"}
    r = w.client.put("/api/v1/procedures/hkd", json=body, headers=w.headers("designer"))
    assert r.status_code == 201, r.get_json()
    yield w, clock
    w.ctx.db_engine.dispose()


def _v2(w: World) -> None:
    forms = hkd_forms()
    r = w.client.post(API, data={
        "bpmn": (io.BytesIO(hkd_v2_xml().encode("utf-8")), "v2.bpmn"),
        "forms": [(io.BytesIO(b), n) for n, b in forms.items()], "activate": "false"},
        headers=w.headers("designer"), content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()


def _dossier_at(w: World, *steps: dict[str, Any]) -> dict[str, Any]:
    r = w.client.post("/api/v1/dossiers", headers=w.headers("desk"), json={
        "process_key": KEY, "channel": "desk",
        "applicant": {"type": "citizen", "name": "Nguyễn Thị Nhung"}, "data": DATA})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    for data in steps:
        d = dossier(w, code)
        r = complete(w, d["current_steps"][0]["task_id"], data)
        assert r.status_code == 200, r.get_json()
    return dossier(w, code)


def _run_jobs(w: World) -> None:
    """The migration jobs the outbox relayed (as a worker would get them) run here."""
    jobs = JOBS.pop(id(w), [])
    for payload in jobs:
        move_batch(w.ctx, payload["migration_id"], payload["dossier_ids"])


def _collect(w: World) -> None:
    """Jobs go to a list instead of the broker, as the relay sends them after commit."""
    def send(actor: str, payload: dict[str, Any], delay: float) -> None:
        if actor == MIGRATE_ACTOR:
            JOBS.setdefault(id(w), []).append(payload)
    w.ctx.send_job = send


JOBS: dict[int, list[dict[str, Any]]] = {}


def _migrate(w: World, who: str = "designer", **body: Any) -> Any:
    return w.client.post(MIGRATIONS, headers=w.headers(who),
                         json={"from_version": 1, "to_version": 2, **body})


def test_dry_run_then_real_run(office: tuple[World, ManualClock]) -> None:
    w, clock = office
    at_reception = _dossier_at(w)
    at_appraisal = _dossier_at(w, ACCEPT)
    at_review = _dossier_at(w, ACCEPT, APPRAISE)
    at_supplement = _dossier_at(w, {**ACCEPT, "reception_decision": "supplement",
                                    "missing_documents": ["registration_request"]})
    assert step(at_supplement, "receive_supplement")
    _v2(w)

    r = _migrate(w, dry_run=True)
    assert r.status_code == 200, r.get_json()
    dry = r.get_json()
    assert dry["total"] == 4 and dry["next_offset"] is None
    verdicts = {x["code"]: (x["can_move"], x["reasons"]) for x in dry["results"]}
    assert verdicts[at_supplement["code"]] == (False, [
        {"element": "receive_supplement", "reason": "element_removed"}])
    assert all(verdicts[d["code"]] == (True, []) for d in (at_reception, at_appraisal,
                                                           at_review))
    assert dossier(w, at_review["code"])["process_version"] == 1  # nothing moved

    review_task = step(at_review, "review")["task_id"]
    r = _migrate(w)
    assert r.status_code == 200, r.get_json()
    started = r.get_json()
    assert (started["status"], started["left"], started["moved"]) == ("running", 4, 0)
    _run_jobs(w)
    r = w.client.get(f"{MIGRATIONS}/{started['id']}", headers=w.headers("designer"))
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert (done["status"], done["moved"], done["failed"], done["left"]) == (
        "finished", 3, 1, 0)
    results = {x["code"]: x for x in done["dossiers"]}
    assert results[at_supplement["code"]]["status"] == "failed"
    assert results[at_supplement["code"]]["reasons"][0]["reason"] == "element_removed"
    assert dossier(w, at_supplement["code"])["process_version"] == 1

    moved = dossier(w, at_review["code"])
    assert moved["process_version"] == 2
    assert moved["due_at"] == at_review["due_at"] and moved["due_at"] is not None
    assert step(moved, "review")["task_id"] == review_task  # the inbox row kept
    event = [e for e in history(w, at_review["code"]) if e["kind"] == "dossier.migrated"]
    assert len(event) == 1
    assert event[0]["payload"]["from_version"] == 1
    assert event[0]["payload"]["to_version"] == 2

    # it continues on version 2: the legal check, then the new grant condition
    clock.advance(timedelta(hours=1))
    assert complete(w, review_task, {"review_decision": "agree"}).status_code == 200
    d = dossier(w, at_review["code"])
    assert complete(w, step(d, "legal_check")["task_id"], {}).status_code == 200
    d = dossier(w, at_review["code"])
    assert complete(w, step(d, "approval")["task_id"],
                    {"approval_decision": "approve"}).status_code == 200
    d = dossier(w, at_review["code"])
    r = complete(w, step(d, "return_result")["task_id"],
                 {"received_by": "Nguyễn Thị Nhung", "channel": "desk"})
    assert r.status_code == 200, r.get_json()
    d = dossier(w, at_review["code"])
    assert d["status"] == "finished" and d["due_at"] == at_review["due_at"]

    # run again: nothing moves twice
    _run_jobs(w)
    again = _migrate(w).get_json()
    assert again["total"] == 1  # only the dossier that could not move is still on v1
    _run_jobs(w)
    assert dossier(w, at_supplement["code"])["process_version"] == 1
    assert len([e for e in history(w, at_review["code"])
                if e["kind"] == "dossier.migrated"]) == 1


def test_a_mapping_moves_the_dossier_off_the_removed_step(
        office: tuple[World, ManualClock]) -> None:
    w, _ = office
    d = _dossier_at(w, {**ACCEPT, "reception_decision": "supplement",
                        "missing_documents": ["registration_request"]})
    _v2(w)
    r = _migrate(w, mapping={"receive_supplement": "reception"}, dossiers=[d["code"]])
    _run_jobs(w)
    done = w.client.get(f"{MIGRATIONS}/{r.get_json()['id']}",
                        headers=w.headers("designer")).get_json()
    assert done["moved"] == 1, done
    assert [s["element_id"] for s in dossier(w, d["code"])["current_steps"]] == ["reception"]


def test_bad_requests_name_the_field(office: tuple[World, ManualClock]) -> None:
    w, _ = office
    _v2(w)
    body = assert_problem(_migrate(w, to_version=9), 422, "invalid-input")
    assert "to_version" in body["detail"]
    body = assert_problem(_migrate(w, mapping={"x": "nowhere"}), 422, "invalid-input")
    assert "mapping" in body["detail"]
    assert_problem(w.client.get(f"{MIGRATIONS}/999999", headers=w.headers("designer")),
                   404, "not-found")


def test_officers_may_not_and_another_province_sees_nothing(
        office: tuple[World, ManualClock], db_url: str) -> None:
    w, _ = office
    _v2(w)
    assert _migrate(w, "desk", dry_run=True).status_code == 403
    started = _migrate(w).get_json()
    other = make_world(db_url)
    try:
        r = other.client.post(MIGRATIONS, headers=other.headers("designer"),
                              json={"from_version": 1, "to_version": 2})
        assert r.status_code == 404
        r = other.client.get(f"{MIGRATIONS}/{started['id']}",
                             headers=other.headers("designer"))
        assert r.status_code == 404
    finally:
        other.ctx.db_engine.dispose()
