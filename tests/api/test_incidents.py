"""A diagram that fails at run time: the command is refused and nothing of it is stored, a
timer's failure leaves the dossier as it was, and either opens an incident that designers
list, repair (the dossier's data, with a reason) and retry."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from engine.services.flow.dossiers import wake
from tests.api import shapes
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import (
    API_DATA,
    assert_problem,
    complete,
    dossier,
    history,
    intake,
    post_bpmn,
    step,
)
from tests.api.test_metrics import scrape, value
from tests.conftest import World, make_world

OWNER_ID = "012345678901"
# A late gateway reads a field intake never asked for.
GATEWAY = ('<bpmn:exclusiveGateway id="owner_check" name="Owner identified?" default="f_no"/>'
           '<bpmn:sequenceFlow id="f_yes" sourceRef="owner_check" targetRef="end_yes">'
           '<bpmn:conditionExpression>len(owner_id_number) == 12</bpmn:conditionExpression>'
           '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f_no" sourceRef="owner_check" '
           'targetRef="end_no"/><bpmn:endEvent id="end_yes"/><bpmn:endEvent id="end_no"/>')
LATE_GATEWAY = shapes.process("owner_late", (
    '<bpmn:startEvent id="start"/><bpmn:userTask id="receive" name="Receive"/>'
    '<bpmn:userTask id="appraise" name="Appraise"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="appraise"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="appraise" targetRef="owner_check"/>' + GATEWAY))
TIMER_GATEWAY = shapes.process("owner_timer", (
    '<bpmn:startEvent id="start"/><bpmn:intermediateCatchEvent id="wait" name="Wait an hour">'
    '<bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>'
    '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="owner_check"/>' + GATEWAY))


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock)
    yield w, clock
    w.ctx.db_engine.dispose()


def _deploy(w: World, xml: bytes) -> None:
    r = post_bpmn(w, xml)
    assert r.status_code == 201, r.get_json()


def _incidents(w: World, who: str = "designer", **query: Any) -> dict[str, Any]:
    r = w.client.get("/api/v1/incidents", query_string=query, headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _patch(w: World, code: str, data: dict[str, Any], reason: str = "owner's id from the "
           "paper file", who: str = "designer") -> Any:
    return w.client.patch(f"/api/v1/dossiers/{code}/data", json={"data": data, "reason": reason},
                          headers=w.headers(who))


def _verify(w: World, code: str) -> tuple[bool, Any]:
    r = w.client.get(f"/api/v1/dossiers/{code}/history/verify", headers=w.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["intact"], r.get_json()["first_divergence"]


def _retry(w: World, incident_id: int, who: str = "designer") -> Any:
    return w.client.post(f"/api/v1/incidents/{incident_id}/retry", headers=w.headers(who))


def test_a_completion_that_fails_is_refused_then_repaired(world: World) -> None:
    w = world
    _deploy(w, LATE_GATEWAY)
    d = intake(w, "owner_late", data={"address": "Hà Nội"}).get_json()
    r = complete(w, step(d, "receive")["task_id"], {})
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    task = step(d, "appraise")["task_id"]
    events = history(w, d["code"])

    body = assert_problem(complete(w, task, {"opinion": "ok"}), 422, "process-error")
    [error] = body["errors"]
    assert (error["element"], error["name"]) == ("owner_check", "Owner identified?")
    assert "owner_id_number" in error["message"] and "owner_check" in body["detail"]
    # Nothing of the completion was stored: same task open, same history, same data.
    after = dossier(w, d["code"])
    assert after["status"] == "in_process" and after["error"] is None
    assert [s["task_id"] for s in after["current_steps"]] == [task]
    assert "opinion" not in after["data"]
    assert history(w, d["code"]) == events
    # One incident, counted again when the same completion fails the same way.
    assert_problem(complete(w, task, {"opinion": "ok"}), 422, "process-error")
    page = _incidents(w, status="open")
    assert page["total"] == 1
    [incident] = page["items"]
    assert incident["id"] == error["incident_id"] == dossier(w, d["code"])["incident"]
    assert incident["element"] == {"id": "owner_check", "name": "Owner identified?",
                                   "type": "ExclusiveGateway"}
    assert (incident["dossier_code"], incident["process_key"], incident["process_version"]) \
        == (d["code"], "owner_late", 1)
    assert (incident["trigger"], incident["command"], incident["task_id"]) == \
        ("command", "task.complete", task)
    assert incident["count"] == 2 and incident["last_seen_at"] >= incident["opened_at"]
    assert value(scrape(w), "motcua_incidents_open") >= 1  # read at the scrape
    assert _incidents(w, dossier=d["code"])["total"] == 1
    assert _incidents(w, process_key="other")["total"] == 0
    assert _incidents(w, status="resolved")["total"] == 0
    # Only the officer can send the completion again: the retry says so.
    assert "complete" in assert_problem(_retry(w, incident["id"]), 409,
                                        "incident-awaits-command")["detail"]

    # The repair: a reason is required; then the key is set and the change recorded.
    problem = assert_problem(_patch(w, d["code"], {"owner_id_number": OWNER_ID}, reason=" "),
                             422, "invalid-input")
    assert [e["field"] for e in problem["errors"]] == ["reason"]
    r = _patch(w, d["code"], {"owner_id_number": OWNER_ID, "address": "Hà Nội"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["changed"] == ["owner_id_number"]  # address already had that value
    patched = history(w, d["code"])[-1]
    assert patched["kind"] == "dossier.data_patched"
    assert patched["payload"]["reason"] == "owner's id from the paper file"
    assert patched["payload"]["changes"] == {"owner_id_number": {"after": OWNER_ID}}
    r = _patch(w, d["code"], {"address": "Huế"})
    assert history(w, d["code"])[-1]["payload"]["changes"] == \
        {"address": {"before": "Hà Nội", "after": "Huế"}}

    # The officer completes again: the dossier finishes and the incident is resolved.
    r = complete(w, task, {"opinion": "ok"})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert (done["status"], done["end_event"], done["incident"]) == ("finished", "end_yes", None)
    assert done["data"]["owner_id_number"] == OWNER_ID and done["data"]["address"] == "Huế"
    resolved = w.client.get(f"/api/v1/incidents/{incident['id']}",
                            headers=w.headers("designer")).get_json()
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "completed")
    assert_problem(_retry(w, incident["id"]), 409, "incident-resolved")
    # Re-executing the record (its repair included) gives the same dossier.
    assert _verify(w, d["code"]) == (True, None)
    # A finished dossier's data is kept as it ended.
    assert_problem(_patch(w, d["code"], {"x": 1}), 422, "invalid-input")


def test_a_timer_that_fails_opens_an_incident_and_waits_for_a_retry(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, TIMER_GATEWAY)
    d = intake(w, "owner_timer").get_json()
    assert d["next_wakeup"] is not None
    events = history(w, d["code"])
    clock.set(MONDAY_8AM + timedelta(hours=2))
    sweep(w.ctx, inline=True)

    # The dossier is as it was before the timer fired, and no longer woken.
    after = dossier(w, d["code"])
    assert after["status"] == "in_process" and after["error"] is None
    assert history(w, d["code"]) == events
    assert after["next_wakeup"] is None and after["incident"] is not None
    [incident] = _incidents(w)["items"]
    assert (incident["id"], incident["trigger"], incident["element"]["id"], incident["count"]) \
        == (after["incident"], "timer", "owner_check", 1)
    clock.set(MONDAY_8AM + timedelta(hours=3))
    sweep(w.ctx, inline=True)
    with w.ctx.uow(readonly=True) as uow:
        row = uow.repo.dossier(w.province, d["code"])
        assert row is not None
        dossier_id = row.id
    assert wake(w.ctx, dossier_id) is False  # even a wake on its way finds nothing to do
    assert _incidents(w)["items"][0]["count"] == 1

    # A retry before the repair fails the same way, and is counted.
    body = assert_problem(_retry(w, incident["id"]), 422, "process-error")
    assert body["errors"][0]["incident_id"] == incident["id"]
    assert _incidents(w)["items"][0]["count"] == 2
    assert history(w, d["code"]) == events

    assert _patch(w, d["code"], {"owner_id_number": "123"}).status_code == 200
    r = _retry(w, incident["id"])
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["resolution"]) == ("resolved", "retried")
    done = dossier(w, d["code"])
    assert (done["status"], done["end_event"], done["incident"]) == ("finished", "end_no", None)
    retried = [e for e in history(w, d["code"]) if e["element_id"] == "owner_check"]
    assert retried and retried[0]["actor_id"] is not None  # the designer who retried
    assert _verify(w, d["code"]) == (True, None)


def test_an_intake_that_fails_stores_nothing_but_its_incident(world: World) -> None:
    w = world
    assert post_bpmn(w, (API_DATA / "fail_at_intake.bpmn").read_bytes()).status_code == 201
    for _ in range(2):
        body = assert_problem(intake(w, "fail_at_intake", data={"copies": 0}), 422,
                              "process-error")
        assert body["errors"][0]["element"] == "compute"
    r = w.client.get("/api/v1/dossiers", headers=w.headers("auditor"))
    assert r.get_json()["total"] == 0
    [incident] = _incidents(w)["items"]
    assert (incident["dossier_code"], incident["command"], incident["count"]) == \
        (None, "intake", 2)
    # Nothing to send again in anyone's name: the client sends a new intake; retry closes it.
    r = _retry(w, incident["id"])
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["resolution"]) == ("resolved", "closed")
    assert intake(w, "fail_at_intake", data={"copies": 2}).status_code == 201


def test_incidents_are_for_the_province_designers_and_admins(world: World) -> None:
    w = world
    _deploy(w, LATE_GATEWAY)
    d = intake(w, "owner_late").get_json()
    d = complete(w, step(d, "receive")["task_id"], {}).get_json()
    assert complete(w, step(d, "appraise")["task_id"], {}).status_code == 422
    [incident] = _incidents(w)["items"]
    assert _incidents(w, who="admin")["total"] == 1
    for who in ("officer", "client", "auditor"):
        r = w.client.get("/api/v1/incidents", headers=w.headers(who))
        assert_problem(r, 403, "forbidden")
        assert_problem(_patch(w, d["code"], {"owner_id_number": OWNER_ID}, who=who), 403,
                       "forbidden")
    other = make_world(w.ctx.settings.database_url)
    try:
        assert _incidents(other)["total"] == 0
        r = other.client.get(f"/api/v1/incidents/{incident['id']}",
                             headers=other.headers("designer"))
        assert_problem(r, 404, "not-found")
        assert_problem(_retry(other, incident["id"]), 404, "not-found")
        r = other.client.patch(f"/api/v1/dossiers/{d['code']}/data", headers=other.headers(
            "designer"), json={"data": {"owner_id_number": OWNER_ID}, "reason": "x"})
        assert_problem(r, 404, "not-found")
    finally:
        other.ctx.db_engine.dispose()
    assert "owner_id_number" not in dossier(w, d["code"])["data"]


MESSAGE_GATEWAY = (
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
    '"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
    '<bpmn:message id="msg_paid" name="paid"/>'
    '<bpmn:process id="owner_message" isExecutable="true"><bpmn:startEvent id="start"/>'
    '<bpmn:intermediateCatchEvent id="wait_paid" name="Paid"><bpmn:messageEventDefinition '
    'id="med" messageRef="msg_paid"/></bpmn:intermediateCatchEvent>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait_paid"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="wait_paid" targetRef="owner_check"/>'
    + GATEWAY + '</bpmn:process></bpmn:definitions>').encode()


def test_a_message_that_fails_is_refused_and_may_be_sent_again(world: World) -> None:
    w = world
    _deploy(w, MESSAGE_GATEWAY)
    d = intake(w, "owner_message").get_json()
    events = history(w, d["code"])

    def deliver(payload: dict[str, Any]) -> Any:
        return w.client.post(f"/api/v1/dossiers/{d['code']}/messages/paid", headers=w.headers(
            "client"), json={"payload": payload, "message_id": "payment-1"})

    # Tried twice with different payloads: one incident, counted twice.
    for payload in ({"amount": 1}, {"amount": 2, "bank": "x"}):
        body = assert_problem(deliver(payload), 422, "process-error")
        assert body["errors"][0]["element"] == "owner_check"
    assert history(w, d["code"]) == events
    [incident] = _incidents(w)["items"]
    assert (incident["command"], incident["message"], incident["count"]) == ("message", "paid", 2)
    assert_problem(_retry(w, incident["id"]), 409, "incident-awaits-command")
    # The refused delivery stored nothing, not even its message id: the same one goes through.
    r = deliver({"amount": 1, "owner_id_number": OWNER_ID})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["end_event"]) == ("finished", "end_yes")
    assert _incidents(w, status="resolved")["items"][0]["resolution"] == "delivered"


def test_a_dossier_stopped_on_an_error_before_incidents_is_retried(world: World) -> None:
    """As migration 0023 leaves a dossier that an earlier version stopped on an error (its
    failed element kept in the state): back in process, with a `stored` incident; the retry
    runs the failed element again, on the repaired data."""
    from engine.services.design.catalog import version_of
    from engine.services.flow import incidents, progress
    from engine.services.flow.instances import load_instance

    w = world
    _deploy(w, LATE_GATEWAY)
    d = intake(w, "owner_late").get_json()
    d = complete(w, step(d, "receive")["task_id"], {}).get_json()
    task = step(d, "appraise")["task_id"]
    now = w.ctx.clock.now()
    with w.ctx.uow() as uow:  # what the earlier version stored: the failed state
        row = uow.repo.dossier(w.province, d["code"], lock=True)
        assert row is not None
        instance = load_instance(w.ctx, row, version_of(w.ctx, uow.repo, row.definition_id)
                                 .compiled, now, None)
        instance.complete(task, {"opinion": "ok"})
        assert instance.error
        progress.save(uow, row, instance, at=now, actor_id=None, completed_task=task,
                      max_data_bytes=w.ctx.settings.max_dossier_data_bytes,
                      open_tasks=list(uow.repo.open_tasks_of(row.id)))
        row.status, row.error = "in_process", None
        uow.commit()
        dossier_id, definition_id = row.id, row.definition_id
    incident_id = incidents.open_incident(w.ctx, {
        "province": w.province, "dossier_id": dossier_id, "definition_id": definition_id,
        "process_key": "owner_late", "element_id": "owner_check", "element_name": None,
        "element_type": None, "trigger": "stored", "command": None, "task_id": None,
        "message": None, "error": instance.error})
    assert dossier(w, d["code"])["incident"] == incident_id

    assert_problem(_retry(w, incident_id), 422, "process-error")
    assert _patch(w, d["code"], {"owner_id_number": OWNER_ID}).status_code == 200
    r = _retry(w, incident_id)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["resolution"] == "retried"
    done = dossier(w, d["code"])
    assert (done["status"], done["end_event"], done["incident"]) == ("finished", "end_yes", None)


def test_an_incident_id_beyond_the_column_is_not_found(world: World) -> None:
    for path in ("/api/v1/incidents/2147483648", "/api/v1/incidents/0"):
        assert_problem(world.client.get(path, headers=world.headers("designer")), 404,
                       "not-found")
    assert_problem(_retry(world, 2**40), 404, "not-found")
