"""Messages that come before the process waits for them: kept (202), delivered by the
command that brings the process to the catching event (a task completion, a timer, another
message), dropped by the sweeper once their time to live passed (`message.expired`, and
nowhere else); a repeated message_id is ignored, kept, delivered or expired."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from tests.api.constructs import DATA, MONDAY_8AM
from tests.api.helpers import assert_problem, complete, dossier, history, post_bpmn, step
from tests.conftest import World, make_world

DEFS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:message id="msg_a" name="a"/><bpmn:message id="msg_b" name="b"/>
  <bpmn:message id="msg_paid" name="paid"/>
  <bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"""
TIMER_THEN_PAID = DEFS.format(key="k_timer_then_paid", body="""
  <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:intermediateCatchEvent id="wait_hour"><bpmn:incoming>f1</bpmn:incoming>
    <bpmn:outgoing>f2</bpmn:outgoing>
    <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>
    </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="wait_paid"><bpmn:incoming>f2</bpmn:incoming>
    <bpmn:outgoing>f3</bpmn:outgoing><bpmn:messageEventDefinition messageRef="msg_paid"/>
  </bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait_hour"/>
  <bpmn:sequenceFlow id="f2" sourceRef="wait_hour" targetRef="wait_paid"/>
  <bpmn:sequenceFlow id="f3" sourceRef="wait_paid" targetRef="done"/>""")
A_THEN_B = DEFS.format(key="k_a_then_b", body="""
  <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:intermediateCatchEvent id="wait_a"><bpmn:incoming>f1</bpmn:incoming>
    <bpmn:outgoing>f2</bpmn:outgoing><bpmn:messageEventDefinition messageRef="msg_a"/>
  </bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="wait_b"><bpmn:incoming>f2</bpmn:incoming>
    <bpmn:outgoing>f3</bpmn:outgoing><bpmn:messageEventDefinition messageRef="msg_b"/>
  </bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait_a"/>
  <bpmn:sequenceFlow id="f2" sourceRef="wait_a" targetRef="wait_b"/>
  <bpmn:sequenceFlow id="f3" sourceRef="wait_b" targetRef="done"/>""")


@pytest.fixture
def kw(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    """A province whose time moves when the test says; messages kept 2 hours by default."""
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock, message_ttl_hours=2.0)
    yield w, clock
    w.ctx.db_engine.dispose()


def _deploy(w: World, xml: str) -> None:
    r = post_bpmn(w, xml.encode())
    assert r.status_code == 201, r.get_json()


def _start(w: World, key: str) -> dict[str, Any]:
    r = w.client.post("/api/v1/dossiers", headers=w.headers("client"), json={
        "process_key": key, "applicant": {"name": "Nguyễn Văn A"}, "data": {}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _send(w: World, code: str, name: str, payload: dict[str, Any], message_id: str) -> Any:
    return w.client.post(f"/api/v1/dossiers/{code}/messages/{name}", headers=w.headers("client"),
                         json={"payload": payload, "message_id": message_id})


def _kinds(w: World, code: str) -> list[str]:
    return [e["kind"] for e in history(w, code)]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _intact(w: World, code: str) -> bool:
    """The record re-executes to the same dossier (the kept message delivered where it was)."""
    r = w.client.get(f"/api/v1/dossiers/{code}/history/verify", headers=w.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["intact"], r.get_json()["first_divergence"]
    return True


def test_kept_until_a_timer_brings_the_process_to_it(kw: tuple[World, ManualClock]) -> None:
    w, clock = kw
    _deploy(w, TIMER_THEN_PAID)
    code = _start(w, "k_timer_then_paid")["code"]
    r = _send(w, code, "paid", {"amount": 50000}, "pay-1")
    assert r.status_code == 202, r.get_json()
    kept = r.get_json()
    assert kept["buffered"] is True and kept["message_id"] == "pay-1"
    assert _at(kept["expires_at"]) == MONDAY_8AM + timedelta(hours=2)
    # A repeat while it is kept: answered the same, kept once.
    again = _send(w, code, "paid", {"amount": 1}, "pay-1")
    assert again.status_code == 202 and again.get_json() == kept
    assert _kinds(w, code).count("message.buffered") == 1
    clock.advance(timedelta(minutes=61))
    sweep(w.ctx, inline=True)
    d = dossier(w, code)
    assert d["status"] == "finished" and d["end_event"] == "done"
    assert d["data"]["amount"] == 50000
    events = history(w, code)
    kinds = [e["kind"] for e in events]
    ran = [e["element_id"] for e in events if e["kind"] == "step.completed"]
    assert ran[-3:] == ["wait_hour", "wait_paid", "done"]
    received = next(e for e in events if e["kind"] == "message.received")
    assert received["payload"]["message_id"] == "pay-1"
    assert _at(received["at"]) == MONDAY_8AM + timedelta(minutes=61)  # delivered then
    assert _at(received["payload"]["buffered_at"]) == MONDAY_8AM
    assert kinds.index("message.buffered") < kinds.index("message.received")
    assert _send(w, code, "paid", {}, "pay-1").status_code == 200  # seen: ignored
    assert len(history(w, code)) == len(events)
    assert _intact(w, code)


def test_one_message_brings_the_process_to_the_kept_one(kw: tuple[World, ManualClock]) -> None:
    w, _ = kw
    _deploy(w, A_THEN_B)
    code = _start(w, "k_a_then_b")["code"]
    assert _send(w, code, "b", {"b": 2}, "m-b").status_code == 202
    r = _send(w, code, "a", {"a": 1}, "m-a")
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    assert d["status"] == "finished" and d["data"]["a"] == 1 and d["data"]["b"] == 2
    received = [e["payload"]["name"] for e in history(w, code)
                if e["kind"] == "message.received"]
    assert received == ["a", "b"]
    assert _intact(w, code)
    # A name no element of the process catches is refused, not kept.
    code2 = _start(w, "k_a_then_b")["code"]
    body = assert_problem(_send(w, code2, "paid", {}, "m-1"), 422, "invalid-input")
    assert body["errors"][0]["field"] == "name"
    assert "message.buffered" not in _kinds(w, code2)


def test_an_expired_message_is_dropped_by_the_sweeper(kw: tuple[World, ManualClock]) -> None:
    w, clock = kw
    r = w.deploy(DATA / "messages.bpmn", [])
    assert r.status_code == 201, r.get_json()
    d = _start(w, "c_messages")
    code = d["code"]
    assert _send(w, code, "paid", {"amount": 50000}, "pay-1").status_code == 202
    clock.advance(timedelta(hours=2, minutes=1))
    sweep(w.ctx, inline=True)
    expired = [e for e in history(w, code) if e["kind"] == "message.expired"]
    assert [(e["payload"]["name"], e["payload"]["message_id"]) for e in expired] == \
        [("paid", "pay-1")]
    assert "amount" not in dossier(w, code)["data"]
    sweep(w.ctx, inline=True)  # nothing is left to expire
    assert _kinds(w, code).count("message.expired") == 1
    # The process reaches the catching event: nothing is delivered, it waits.
    r = complete(w, step(d, "appraise")["task_id"], {"decision": "approve"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "in_process" and "amount" not in r.get_json()["data"]
    assert "message.received" not in _kinds(w, code)
    # A repeat of the expired message is ignored; a new one is delivered at once.
    assert _send(w, code, "paid", {"amount": 1}, "pay-1").status_code == 200
    assert "amount" not in dossier(w, code)["data"]
    r = _send(w, code, "paid", {"amount": 70000}, "pay-2")
    assert r.status_code == 200 and r.get_json()["status"] == "finished"
    assert r.get_json()["data"]["amount"] == 70000


def test_the_procedure_sets_the_time_to_live(kw: tuple[World, ManualClock]) -> None:
    w, clock = kw
    r = w.deploy(DATA / "messages.bpmn", [])
    assert r.status_code == 201, r.get_json()
    procedure = {"name": "Thủ tục", "process_key": "c_messages", "rules": [{
        "effective_from": "2025-07-01", "calendar": "vn",
        "limits": {"default": {"value": 3, "unit": "working_days"}}}]}
    for bad in (0, -1, "1", 10**6):
        r = w.client.put("/api/v1/procedures/pay", headers=w.headers("designer"),
                         json={**procedure, "message_ttl_hours": bad})
        body = assert_problem(r, 422, "invalid-input")
        assert "message_ttl_hours" in str(body["errors"]), body
    r = w.client.put("/api/v1/procedures/pay", headers=w.headers("designer"),
                     json={**procedure, "message_ttl_hours": 0.5})
    assert r.status_code == 201, r.get_json()
    d = _start(w, "c_messages")
    r = _send(w, d["code"], "paid", {"amount": 1}, "p-1")
    assert _at(r.get_json()["expires_at"]) == MONDAY_8AM + timedelta(minutes=30)
    # Expired but not yet swept when the process gets there: dropped, not delivered.
    clock.advance(timedelta(minutes=31))
    r = complete(w, step(d, "appraise")["task_id"], {"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_process"
    kinds = _kinds(w, d["code"])
    assert "message.expired" in kinds and "message.received" not in kinds


def test_a_dossier_keeps_a_bounded_number_of_messages(kw: tuple[World, ManualClock]) -> None:
    from engine.services.flow.messages import MAX_KEPT

    w, _ = kw
    _deploy(w, A_THEN_B)
    code = _start(w, "k_a_then_b")["code"]
    for i in range(MAX_KEPT):
        assert _send(w, code, "b", {"i": i}, f"b-{i}").status_code == 202
    body = assert_problem(_send(w, code, "b", {}, "b-over"), 422, "invalid-input")
    assert body["errors"][0]["field"] == "name"
    # The first kept `b` goes with the process once `a` brings it there.
    d = _send(w, code, "a", {}, "a-1").get_json()
    assert d["status"] == "finished" and d["data"]["i"] == 0
