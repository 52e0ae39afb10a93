"""Process versions after they go live: one active version per process (rollback,
retirement, drafts), every change of state recorded, and what changed between two versions
of a shipped process."""
from __future__ import annotations

import json
import threading
from typing import Any

from tests.api.deployments import API, HKD, hkd_forms, two_steps_xml, upload, versions_of
from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    complete,
    dossier,
    started,
    step,
    two_steps_forms,
)
from tests.conftest import World, make_world

# -- the life cycle ----------------------------------------------------------------------

def _deploy_two(world: World, *, activate: str | None = None) -> Any:
    """two_steps version 2: the fee doubled."""
    return upload(world, two_steps_xml(**{"100000 * copies": "200000 * copies"}),
                   two_steps_forms(), form={"activate": activate} if activate else None)


def _finish(world: World, code: str) -> dict[str, Any]:
    d = dossier(world, code)
    assert complete(world, step(d, "receive")["task_id"], {"copies": 1}).status_code == 200
    d = dossier(world, code)
    assert complete(world, step(d, "appraise")["task_id"],
                    {"decision": "approve"}).status_code == 200
    return dossier(world, code)


def test_rollback_starts_new_dossiers_on_version_one(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = _deploy_two(world)
    assert r.status_code == 201 and r.get_json()["status"] == "active"
    assert [v["status"] for v in versions_of(world, "two_steps")] == ["retired", "active"]
    on_two = started(world)
    assert on_two["process_version"] == 2

    r = world.client.post(f"{API}/two_steps/versions/1/activate",
                          headers=world.headers("designer"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "active"
    assert [v["status"] for v in versions_of(world, "two_steps")] == ["active", "retired"]
    on_one = started(world)
    assert on_one["process_version"] == 1

    # each dossier continues on its own version
    assert _finish(world, on_two["code"])["data"]["fee"] == 200000
    assert _finish(world, on_one["code"])["data"]["fee"] == 100000
    assert dossier(world, on_two["code"])["process_version"] == 2

    one = world.client.get(f"{API}/two_steps/versions/1",
                           headers=world.headers("auditor")).get_json()
    moves = [(t["from_status"], t["to_status"], t["by_name"]) for t in one["transitions"]]
    assert moves == [(None, "active", "designer"), ("active", "retired", "designer"),
                     ("retired", "active", "designer")]
    assert one["transitions"][1]["reason"] == "version 2 activated"
    two = versions_of(world, "two_steps")[1]
    assert [(t["from_status"], t["to_status"]) for t in two["transitions"]] == [
        (None, "active"), ("active", "retired")]


def test_retiring_the_active_version_stops_intake(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    before = started(world)
    r = world.client.post(f"{API}/two_steps/versions/1/retire",
                          headers=world.headers("designer"))
    assert r.status_code == 200 and r.get_json()["status"] == "retired"
    body = assert_problem(started_raw(world), 422, "no-active-version")
    assert body["errors"] == [{"field": "process_key",
                               "message": "two_steps: no active version"}]
    assert "two_steps" in body["detail"]
    # the dossier started before continues on its version
    assert _finish(world, before["code"])["status"] == "finished"
    # said again, it is the same; a version that does not exist is not found
    again = world.client.post(f"{API}/two_steps/versions/1/retire",
                              headers=world.headers("designer"))
    assert again.status_code == 200
    assert len(again.get_json()["transitions"]) == 2
    assert_problem(world.client.post(f"{API}/two_steps/versions/9/retire",
                                     headers=world.headers("designer")), 404, "not-found")
    assert_problem(world.client.post(f"{API}/two_steps/versions/1/activate",
                                     headers=world.headers("officer")), 403, "forbidden")
    # activating it again lets dossiers start
    assert world.client.post(f"{API}/two_steps/versions/1/activate",
                             headers=world.headers("designer")).status_code == 200
    assert started(world)["process_version"] == 1


def started_raw(world: World) -> Any:
    return world.client.post("/api/v1/dossiers", json={
        "process_key": "two_steps", "applicant": {"name": "Nguyễn Văn A"}, "data": {}},
        headers=world.headers("client"))


def test_a_draft_waits_for_its_activation(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = _deploy_two(world, activate="false")
    assert r.status_code == 201 and r.get_json()["status"] == "draft"
    assert started(world)["process_version"] == 1
    r = world.client.post(f"{API}/two_steps/versions/2/activate",
                          headers=world.headers("designer"))
    assert [(t["from_status"], t["to_status"]) for t in r.get_json()["transitions"]] == [
        (None, "draft"), ("draft", "active")]
    assert started(world)["process_version"] == 2


def test_an_identical_upload_keeps_states_unless_asked(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    assert _deploy_two(world).status_code == 201
    assert world.client.post(f"{API}/two_steps/versions/1/activate",
                             headers=world.headers("designer")).status_code == 200
    again = _deploy_two(world)
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert (again.get_json()["version"], again.get_json()["status"]) == (2, "retired")
    assert started(world)["process_version"] == 1
    asked = _deploy_two(world, activate="true")
    assert asked.status_code == 200 and asked.get_json()["status"] == "active"
    assert started(world)["process_version"] == 2
    assert [v["status"] for v in versions_of(world, "two_steps")] == ["retired", "active"]
    bad = _deploy_two(world, activate="perhaps")
    assert assert_problem(bad, 422, "invalid-input")["errors"][0]["field"] == "activate"


def test_concurrent_activations_leave_one_active_version(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    assert _deploy_two(world).status_code == 201
    statuses: list[int] = []

    def activate(version: int) -> None:
        client = world.app.test_client()
        for _ in range(5):
            r = client.post(f"{API}/two_steps/versions/{version}/activate",
                            headers=world.headers("designer"))
            statuses.append(r.status_code)

    threads = [threading.Thread(target=activate, args=(v,)) for v in (1, 2, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) == {200}, statuses
    found = versions_of(world, "two_steps")
    assert [v["status"] for v in found].count("active") == 1
    # the record agrees with the states: each version's last change led to its state
    for v in found:
        assert v["transitions"][-1]["to_status"] == v["status"]
        for before, after in zip(v["transitions"], v["transitions"][1:], strict=False):
            assert after["from_status"] == before["to_status"], v["transitions"]


# -- the diff ----------------------------------------------------------------------------

LEGAL_CHECK = (
    '<bpmn:sequenceFlow id="flow_appraisal_to_check" sourceRef="appraisal" '
    'targetRef="legal_check" />'
    '<bpmn:userTask id="legal_check" name="Legal check">'
    '<bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="formJsonSchemaFilename" value="hkd-review.json" />'
    '<spiffworkflow:property name="position" value="specialist" />'
    '</spiffworkflow:properties></bpmn:extensionElements>'
    '<bpmn:incoming>flow_appraisal_to_check</bpmn:incoming>'
    '<bpmn:outgoing>flow_check_to_review</bpmn:outgoing></bpmn:userTask>'
    '<bpmn:sequenceFlow id="flow_check_to_review" sourceRef="legal_check" '
    'targetRef="review" />')


def test_diff_of_two_versions_of_a_shipped_process(world: World) -> None:
    forms = hkd_forms()
    assert upload(world, HKD.read_bytes(), forms).status_code == 201
    xml = HKD.read_text(encoding="utf-8")
    xml = xml.replace('reception_decision == "refuse"', 'reception_decision in ("refuse", "x")')
    old_flow = ('<bpmn:sequenceFlow id="flow_appraisal_to_review" sourceRef="appraisal" '
                'targetRef="review" />')
    assert old_flow in xml
    xml = xml.replace(old_flow, LEGAL_CHECK)
    appraisal = json.loads(forms["hkd-appraisal.json"])
    appraisal["required"].append("comment")
    appraisal["properties"]["risk_level"] = {"type": "string", "enum": ["low", "high"]}
    del appraisal["properties"]["draft_result"]
    appraisal["required"].remove("draft_result")
    changed_forms = {**forms, "hkd-appraisal.json": json.dumps(appraisal).encode()}
    r = upload(world, xml.encode("utf-8"), changed_forms)
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()

    r = world.client.get(f"{API}/household_business_registration/versions/1/diff/2",
                         headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    diff = r.get_json()
    assert (diff["base"], diff["other"]) == (1, 2)
    added = {e["id"]: e for e in diff["added"]}
    assert set(added) == {"legal_check", "flow_appraisal_to_check", "flow_check_to_review"}
    assert added["legal_check"]["type"] == "UserTask"
    assert [e["id"] for e in diff["removed"]] == ["flow_appraisal_to_review"]
    changed = {e["id"]: e for e in diff["changed"]}
    assert changed["flow_reception_refuse"]["attributes"] == ["condition"]
    assert changed["flow_reception_refuse"]["details"]["condition"] == {
        "from": 'reception_decision == "refuse"', "to": 'reception_decision in ("refuse", "x")'}
    assert changed["gw_reception_decision"]["attributes"] == ["conditions"]
    assert changed["gw_reception_decision"]["details"]["conditions"]["to"] == {
        "refused": 'reception_decision in ("refuse", "x")'}
    assert changed["appraisal"]["attributes"] == ["outgoing"]
    assert changed["review"]["attributes"] == ["incoming"]
    assert set(changed) == {"flow_reception_refuse", "gw_reception_decision", "appraisal",
                            "review"}
    [form] = diff["forms"]["changed"]
    assert form == {"form": "hkd-appraisal.json", "fields_added": ["risk_level"],
                    "added_required": [], "fields_removed": ["draft_result"], "made_required": ["comment"],
                    "made_optional": [], "fields_changed": []}
    assert diff["forms"]["added"] == diff["forms"]["removed"] == []

    back = world.client.get(f"{API}/household_business_registration/versions/2/diff/1",
                            headers=world.headers("auditor")).get_json()
    assert {e["id"] for e in back["removed"]} == set(added)
    assert back["forms"]["changed"][0]["made_optional"] == ["comment"]
    same = world.client.get(f"{API}/household_business_registration/versions/2/diff/2",
                            headers=world.headers("auditor")).get_json()
    assert same["added"] == same["removed"] == same["changed"] == []
    assert_problem(world.client.get(f"{API}/household_business_registration/versions/1/diff/3",
                                    headers=world.headers("auditor")), 404, "not-found")


def test_a_versions_forms_are_read_as_deployed(world: World) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = world.client.get(f"{API}/two_steps/versions/1/forms", headers=world.headers("officer"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["key"], body["version"]) == ("two_steps", 1)
    assert body["forms"] == {name: json.loads(raw) for name, raw in two_steps_forms().items()}
    assert_problem(world.client.get(f"{API}/two_steps/versions/2/forms",
                                    headers=world.headers("designer")), 404, "not-found")


def test_each_version_counts_the_dossiers_under_way_on_it(world: World, db_url: str) -> None:
    assert upload(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    first, second = started(world), started(world)
    assert _deploy_two(world).status_code == 201
    started(world)
    assert [(v["version"], v["running"]) for v in versions_of(world, "two_steps")] == [
        (1, 2), (2, 1)]
    assert _finish(world, first["code"])["status"] != "in_process"
    one = world.client.get(f"{API}/two_steps/versions/1", headers=world.headers("auditor"))
    assert one.get_json()["running"] == 1
    # another province's versions count only its own dossiers
    other = make_world(db_url)
    try:
        assert upload(other, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
        assert [v["running"] for v in versions_of(other, "two_steps")] == [0]
    finally:
        other.ctx.db_engine.dispose()
    assert dossier(world, second["code"])["process_version"] == 1
