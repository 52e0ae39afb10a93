"""Intake, the inbox, completing tasks, history and idempotency over HTTP."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from engine.history import GENESIS, event_hash
from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    complete,
    dossier,
    history,
    intake,
    officer_for,
    post_bpmn,
    started,
    step,
    two_steps_forms,
)


def _inbox(world: Any, who: str) -> Any:
    return world.client.get("/api/v1/tasks", headers=world.headers(who))


# -- intake -----------------------------------------------------------------------------

def test_intake_returns_code_status_and_current_steps(two_steps: Any) -> None:
    world = two_steps
    body = started(world, data={"note_from_client": "x"})
    assert re.fullmatch(rf"{re.escape(world.unit)}-\d{{6}}-\d{{4}}", body["code"]), body["code"]
    assert body["code"].endswith("-0001")
    assert body["status"] == "in_process"
    assert body["process_key"] == "two_steps"
    assert body["process_version"] == 1
    assert body["unit"] == world.unit
    assert body["applicant"] == {"name": "Nguyễn Văn A"}
    assert [s["element_id"] for s in body["current_steps"]] == ["receive"]
    s = body["current_steps"][0]
    assert s["position"] == "reception" and s["unit"] == world.unit and s["task_id"]
    assert body["data"]["note_from_client"] == "x"
    second = started(world)
    assert second["code"].endswith("-0002")
    assert second["code"][:-4] == body["code"][:-4]
    # A query of the dossier answers as the intake did, and adds what its page reads: the
    # procedure's registered name (none here) and the desk's acts the caller may perform.
    read = dossier(world, body["code"])
    assert read.pop("procedure_name") is None and isinstance(read.pop("acts"), list)
    assert read == body


def test_intake_of_unknown_procedure_is_404(two_steps: Any) -> None:
    assert_problem(intake(two_steps, "no_such_process"), 404, "not-found")


def test_intake_validates_its_body(two_steps: Any) -> None:
    r = two_steps.client.post("/api/v1/dossiers", json={"applicant": {}},
                              headers=two_steps.headers("client"))
    body = assert_problem(r, 422, "invalid-input")
    assert "/process_key" in {e["field"] for e in body["errors"]}
    body = assert_problem(intake(two_steps, unit="bad unit!"), 422, "invalid-input")
    assert "unit" in {e["field"] for e in body["errors"]}


def test_designers_and_auditors_cannot_start_dossiers(two_steps: Any) -> None:
    for who in ("designer", "auditor"):
        assert_problem(intake(two_steps, who=who), 403, "forbidden")


def test_dossier_list(two_steps: Any) -> None:
    world = two_steps
    a, b = started(world), started(world)
    r = world.client.get("/api/v1/dossiers", headers=world.headers("auditor"))
    assert r.status_code == 200
    page = r.get_json()
    assert page["total"] == 2
    assert [d["code"] for d in page["items"]] == [b["code"], a["code"]]
    r = world.client.get("/api/v1/dossiers?status=finished", headers=world.headers("auditor"))
    assert r.get_json()["total"] == 0


# -- completing tasks -------------------------------------------------------------------

def test_invalid_form_data_is_422_and_changes_nothing(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    before = dossier(world, code)
    history_before = history(world, code)
    task_id = step(before, "receive")["task_id"]
    r = complete(world, task_id, {"copies": "two", "note": "x" * 300, "extra": True})
    body = assert_problem(r, 422, "form-invalid")
    fields = {e["field"] for e in body["errors"]}
    assert {"/copies", "/note"} <= fields
    assert "/" in fields  # the additional property is reported on the form itself
    assert all(e["message"] for e in body["errors"])
    r = complete(world, task_id, {})
    assert "copies" in assert_problem(r, 422, "form-invalid")["errors"][0]["message"]

    after = dossier(world, code)
    assert after["current_steps"] == before["current_steps"]
    assert after["data"] == before["data"]
    assert after["updated_at"] == before["updated_at"]
    assert history(world, code) == history_before


def test_complete_moves_on_and_second_complete_is_409(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    receive = step(dossier(world, code), "receive")["task_id"]
    r = complete(world, receive, {"copies": 2})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["code"] == code and body["status"] == "in_process"
    assert [s["element_id"] for s in body["current_steps"]] == ["appraise"]
    assert body["data"]["copies"] == 2

    again = complete(world, receive, {"copies": 2})
    assert_problem(again, 409, "task-already-completed")
    assert dossier(world, code)["current_steps"] == body["current_steps"]

    appraise = step(body, "appraise")["task_id"]
    r = complete(world, appraise, {"decision": "approve"})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "finished"
    assert done["end_event"] == "approved"
    assert done["current_steps"] == []
    assert done["data"]["fee"] == 200000
    assert done["finished_at"]
    assert_problem(complete(world, appraise, {"decision": "approve"}), 409,
                   "task-already-completed")

    r = world.client.get(f"/api/v1/tasks/{receive}", headers=world.headers("auditor"))
    assert r.status_code == 200 and r.get_json()["status"] == "completed"


def test_unknown_task_is_404(two_steps: Any) -> None:
    r = complete(two_steps, "00000000-0000-0000-0000-000000000000", {"copies": 1})
    assert_problem(r, 404, "not-found")
    assert_problem(complete(two_steps, "not-a-uuid", {}), 404, "not-found")


def test_task_detail_has_form_and_data(two_steps: Any) -> None:
    world = two_steps
    code = started(world, data={"x": 1})["code"]
    task_id = step(dossier(world, code), "receive")["task_id"]
    r = world.client.get(f"/api/v1/tasks/{task_id}",
                         headers=world.headers(officer_for(world, task_id)))
    assert r.status_code == 200
    body = r.get_json()
    assert body["dossier_code"] == code and body["element_id"] == "receive"
    assert body["form"] == "receive.json"
    assert body["form_schema"]["required"] == ["copies"]
    assert body["data"]["x"] == 1


def test_clients_cannot_complete_tasks(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    task_id = step(dossier(world, code), "receive")["task_id"]
    for who in ("client", "auditor", "designer"):
        assert_problem(complete(world, task_id, {"copies": 1}, who=who), 403, "forbidden")


# -- inbox ------------------------------------------------------------------------------

def test_inbox_filters_by_unit_and_position(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    world.principal("reception", "officer", unit=world.unit, position="reception")
    world.principal("specialist", "officer", unit=world.unit, position="specialist")
    world.register_unit(world.unit + "X")
    world.principal("elsewhere", "officer", unit=world.unit + "X", position="reception")

    def inbox(who: str) -> list[tuple[str, str]]:
        r = _inbox(world, who)
        assert r.status_code == 200, r.get_json()
        return [(t["dossier_code"], t["element_id"]) for t in r.get_json()["items"]]

    world.principal("unplaced", "officer", unit=world.unit)
    world.principal("unitless", "officer", position="reception")
    assert inbox("reception") == [(code, "receive")]
    assert inbox("officer") == []  # a position no task of this diagram has
    assert inbox("specialist") == []
    # Lacking a unit or a position is never everything: it is nothing.
    for who in ("unplaced", "unitless"):
        assert_problem(_inbox(world, who), 403, "forbidden")
    assert inbox("elsewhere") == []
    assert inbox("auditor") == [(code, "receive")]

    receive = step(dossier(world, code), "receive")["task_id"]
    # Another position or unit: the task is not theirs to see.
    for who in ("specialist", "elsewhere"):
        assert_problem(complete(world, receive, {"copies": 1}, who=who), 404, "not-found")
        assert_problem(world.client.get(f"/api/v1/tasks/{receive}",
                                        headers=world.headers(who)), 404, "not-found")
    for who in ("unplaced", "unitless"):
        assert_problem(complete(world, receive, {"copies": 1}, who=who), 403, "forbidden")
        assert_problem(world.client.get(f"/api/v1/tasks/{receive}",
                                        headers=world.headers(who)), 403, "forbidden")
    assert dossier(world, code)["current_steps"][0]["task_id"] == receive

    assert complete(world, receive, {"copies": 1}, who="reception").status_code == 200
    assert inbox("reception") == []
    assert inbox("specialist") == [(code, "appraise")]
    r = world.client.get("/api/v1/tasks?status=completed", headers=world.headers("reception"))
    assert [t["element_id"] for t in r.get_json()["items"]] == ["receive"]


def test_clients_have_no_inbox(two_steps: Any) -> None:
    assert_problem(_inbox(two_steps, "client"), 403, "forbidden")


# -- tenancy ----------------------------------------------------------------------------

def test_another_province_sees_nothing(two_steps: Any) -> None:
    from engine.services.org.auth import create_principal

    world = two_steps
    code = started(world)["code"]
    task_id = step(dossier(world, code), "receive")["task_id"]
    other = world.province + "Z"
    world.register_unit(world.unit + "Z", province=other)
    for name, role in (("o_officer", "officer"), ("o_auditor", "auditor"),
                       ("o_admin", "admin"), ("o_client", "client")):
        _, token = create_principal(world.ctx, name=name, role=role, province=other,
                                    unit=world.unit + "Z", position="reception")
        world.tokens[name] = token

    for who in ("o_officer", "o_auditor", "o_client"):
        h = world.headers(who)
        assert_problem(world.client.get(f"/api/v1/dossiers/{code}", headers=h), 404, "not-found")
        assert_problem(world.client.get(f"/api/v1/dossiers/{code}/history", headers=h),
                       404, "not-found")
    h = world.headers("o_admin")  # admins read no applicants' data, in any province
    assert_problem(world.client.get(f"/api/v1/dossiers/{code}", headers=h), 403, "forbidden")
    for who in ("o_officer", "o_auditor"):
        if who == "o_officer":
            assert_problem(complete(world, task_id, {"copies": 1}, who=who), 404, "not-found")
        assert_problem(world.client.get(f"/api/v1/tasks/{task_id}", headers=world.headers(who)),
                       404, "not-found")
        assert _inbox(world, who).get_json() == {"total": 0, "items": []}
    assert world.client.get("/api/v1/dossiers", headers=world.headers("o_auditor")
                            ).get_json()["total"] == 0
    # The other province has not deployed two_steps: it cannot start one either.
    assert_problem(intake(world, who="o_client"), 404, "not-found")
    assert dossier(world, code)["current_steps"][0]["task_id"] == task_id


# -- history ----------------------------------------------------------------------------

def test_history_is_a_valid_hash_chain(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    receive = step(dossier(world, code), "receive")["task_id"]
    complete(world, receive, {"copies": 3})
    appraise = step(dossier(world, code), "appraise")["task_id"]
    complete(world, appraise, {"decision": "refuse", "comment": "thiếu giấy tờ"})

    events = history(world, code)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "dossier.received"
    assert kinds[-1] == "dossier.finished"
    assert "task.completed" in kinds and "step.completed" in kinds
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    completed = [e for e in events if e["kind"] == "task.completed"]
    assert [(e["element_id"], e["task_id"]) for e in completed] == [
        ("receive", receive), ("appraise", appraise)]
    assert completed[1]["payload"]["data"]["comment"] == "thiếu giấy tờ"
    assert events[-1]["element_id"] == "refused"

    prev = GENESIS
    for e in events:
        assert e["prev_hash"] == prev
        recomputed = event_hash(e["prev_hash"], e["seq"], datetime.fromisoformat(e["at"]),
                                e["kind"], e["actor_id"], e["element_id"], e["task_id"],
                                e["payload"])
        assert recomputed == e["hash"], e
        prev = e["hash"]

    # Every reader of the province may read it; the history is the same for all.
    for who in ("officer", "client"):
        assert history(world, code, who) == events
    assert_problem(world.client.get(f"/api/v1/dossiers/{code}/history",
                                    headers=world.headers("designer")), 403, "forbidden")


# -- idempotency ------------------------------------------------------------------------

def test_idempotency_key_replays_the_first_result(two_steps: Any) -> None:
    world = two_steps
    key = {"Idempotency-Key": "req-42"}
    first = intake(world, headers=key, data={"a": 1})
    assert first.status_code == 201
    again = intake(world, headers=key, data={"a": 1})
    assert again.status_code == 200
    assert again.get_json()["code"] == first.get_json()["code"]
    total = world.client.get("/api/v1/dossiers", headers=world.headers("auditor"))
    assert total.get_json()["total"] == 1


def test_idempotency_key_with_another_body_is_422(two_steps: Any) -> None:
    world = two_steps
    key = {"Idempotency-Key": "req-43"}
    first = intake(world, headers=key, data={"a": 1})
    assert first.status_code == 201
    body = assert_problem(intake(world, headers=key, data={"a": 2}), 422,
                          "idempotency-key-reused")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert first.get_json()["code"] in body["errors"][0]["message"]
    total = world.client.get("/api/v1/dossiers", headers=world.headers("auditor"))
    assert total.get_json()["total"] == 1


def test_idempotency_keys_belong_to_their_client(two_steps: Any) -> None:
    world = two_steps
    world.principal("client2", "client", unit=world.unit)
    key = {"Idempotency-Key": "shared-key"}
    a = intake(world, headers=key)
    b = intake(world, who="client2", headers=key)
    assert a.status_code == b.status_code == 201
    assert a.get_json()["code"] != b.get_json()["code"]


# -- versions ---------------------------------------------------------------------------

def test_a_dossier_keeps_its_version_for_life(two_steps: Any) -> None:
    world = two_steps
    old = started(world)["code"]
    # Version 2 renames the appraisal step and skips nothing else.
    xml = TWO_STEPS.read_text(encoding="utf-8").replace('name="Appraise"', 'name="Thẩm định"')
    r = post_bpmn(world, xml.encode("utf-8"), two_steps_forms())
    assert r.status_code == 201 and r.get_json()["version"] == 2

    new = started(world)
    assert new["process_version"] == 2
    assert dossier(world, old)["process_version"] == 1

    r = complete(world, step(dossier(world, old), "receive")["task_id"], {"copies": 1})
    assert r.status_code == 200
    assert r.get_json()["process_version"] == 1
    assert step(r.get_json(), "appraise")["name"] == "Appraise"
    r = complete(world, step(r.get_json(), "appraise")["task_id"], {"decision": "approve"})
    assert r.get_json()["status"] == "finished" and r.get_json()["process_version"] == 1

    r = complete(world, step(new, "receive")["task_id"], {"copies": 1})
    assert r.get_json()["process_version"] == 2
    assert step(r.get_json(), "appraise")["name"] == "Thẩm định"


# -- external events --------------------------------------------------------------------

def test_message_moves_the_dossier_on_and_a_repeated_id_is_ignored(world: Any) -> None:
    from tests.api.helpers import API_DATA

    r = post_bpmn(world, (API_DATA / "wait_message.bpmn").read_bytes())
    assert r.status_code == 201, r.get_json()
    code = started(world, process_key="wait_message")["code"]
    url = f"/api/v1/dossiers/{code}/messages"
    h = world.headers("client")
    body = assert_problem(world.client.post(f"{url}/refund", json={"payload": {}}, headers=h),
                          422, "invalid-input")
    assert body["errors"][0]["field"] == "name"

    r = world.client.post(f"{url}/paid", json={"message_id": "pay-1",
                                                 "payload": {"amount": 50000}}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "finished"
    assert r.get_json()["end_event"] == "done"
    seen = len(history(world, code))
    r = world.client.post(f"{url}/paid", json={"message_id": "pay-1", "payload": {}}, headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "finished"
    assert len(history(world, code)) == seen
    received = [e for e in history(world, code) if e["kind"] == "message.received"]
    assert [e["payload"]["message_id"] for e in received] == ["pay-1"]


def test_message_payload_joins_the_dossier_data(world: Any) -> None:
    from tests.api.helpers import API_DATA

    assert post_bpmn(world, (API_DATA / "wait_message.bpmn").read_bytes()).status_code == 201
    code = started(world, process_key="wait_message")["code"]
    r = world.client.post(f"/api/v1/dossiers/{code}/messages/paid",
                          json={"message_id": "pay-1", "payload": {"amount": 50000}},
                          headers=world.headers("client"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"].get("amount") == 50000
