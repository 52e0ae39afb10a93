"""A dossier's data is bounded (MOTCUA_MAX_DOSSIER_DATA_BYTES): what comes in beyond the
limit is a 422 naming its field; a command that would leave more is refused with nothing
stored; a timer that would is stopped on a recorded error."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import API_DATA, assert_problem, dossier, history, intake, post_bpmn
from tests.conftest import World, make_world

LIMIT = 2_000
# receive (a form-less task) -> [a timer of one hour] -> a script padding the data to `n`
# characters -> after -> end
GROWS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="KEY" name="Grows its data" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="reception">
      <bpmn:flowNodeRef>receive</bpmn:flowNodeRef><bpmn:flowNodeRef>after</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="receive" name="Receive"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    WAIT
    <bpmn:scriptTask id="grow" name="Grow"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:script>pad = "x" * n</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="after" name="After"><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>
    FLOWS
    <bpmn:sequenceFlow id="f3" sourceRef="SOURCE" targetRef="grow"/>
    <bpmn:sequenceFlow id="f4" sourceRef="grow" targetRef="after"/>
    <bpmn:sequenceFlow id="f5" sourceRef="after" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""
TIMER = ('<bpmn:intermediateCatchEvent id="wait" name="An hour"><bpmn:incoming>f2'
         '</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition id="t">'
         '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
         '</bpmn:intermediateCatchEvent>')


def _grows(key: str, timer: bool) -> bytes:
    flows = ('<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="wait"/>' if timer
             else "")
    xml = (GROWS.replace("KEY", key).replace("WAIT", TIMER if timer else "")
           .replace("FLOWS", flows).replace("SOURCE", "wait" if timer else "receive"))
    if not timer:
        xml = xml.replace("<bpmn:outgoing>f2</bpmn:outgoing>", "<bpmn:outgoing>f3</bpmn:outgoing>")
    return xml.encode("utf-8")


@pytest.fixture
def small(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock, max_dossier_data_bytes=LIMIT)
    w.principal("reception", "officer", unit=w.unit, position="reception")
    for key, timer in (("grows", False), ("grows_later", True)):
        assert post_bpmn(w, _grows(key, timer)).status_code == 201
    assert post_bpmn(w, (API_DATA / "wait_message.bpmn").read_bytes()).status_code == 201
    yield w, clock
    w.ctx.db_engine.dispose()


def _complete(w: World, d: dict[str, Any], data: dict[str, Any]) -> Any:
    task_id = d["current_steps"][0]["task_id"]
    return w.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data},
                         headers=w.headers("reception"))


def _total(w: World) -> int:
    r = w.client.get("/api/v1/dossiers", headers=w.headers("auditor"))
    return int(r.get_json()["total"])


def test_what_comes_in_beyond_the_limit_is_refused_naming_its_field(
        small: tuple[World, ManualClock]) -> None:
    w, _ = small
    big = {"x": "y" * LIMIT}
    for kw, field in (({"data": big}, "/data"), ({"applicant": big}, "/applicant")):
        body = assert_problem(intake(w, "grows", **kw), 422, "invalid-input")
        assert [e["field"] for e in body["errors"]] == [field], body
        assert f"limit of {LIMIT}" in body["errors"][0]["message"]
    assert _total(w) == 0

    d = intake(w, "grows").get_json()
    body = assert_problem(_complete(w, d, big), 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["/data"], body
    assert dossier(w, d["code"])["current_steps"] == d["current_steps"]

    m = intake(w, "wait_message").get_json()
    r = w.client.post(f"/api/v1/dossiers/{m['code']}/messages/paid", json={"payload": big},
                      headers=w.headers("client"))
    assert [e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]] == \
        ["/payload"]
    assert dossier(w, m["code"])["status"] == "in_process"


def test_a_command_that_would_leave_too_much_data_is_refused_with_nothing_stored(
        small: tuple[World, ManualClock]) -> None:
    w, _ = small
    # Each part within the limit, together beyond it: nothing stored, no code number used.
    half = "y" * (LIMIT // 2)
    body = assert_problem(intake(w, "grows", data={"a": half}, applicant={"name": half}),
                          422, "data-too-large")
    assert f"limit of {LIMIT} (MOTCUA_MAX_DOSSIER_DATA_BYTES)" in body["detail"], body
    assert _total(w) == 0
    d = intake(w, "grows").get_json()
    assert d["code"].endswith("0001"), d["code"]

    # A script that grows the data past the limit: the completion is refused, the dossier
    # is as it was (same task open, same history), and a smaller completion then works.
    before = history(w, d["code"])
    body = assert_problem(_complete(w, d, {"n": LIMIT}), 422, "data-too-large")
    assert body["errors"][0]["field"] == "data"
    after = dossier(w, d["code"])
    assert after["current_steps"] == d["current_steps"] and "n" not in after["data"]
    assert history(w, d["code"]) == before
    r = _complete(w, d, {"n": 10})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["pad"] == "x" * 10


def test_a_timer_that_would_leave_too_much_data_opens_an_incident(
        small: tuple[World, ManualClock]) -> None:
    w, clock = small
    d = intake(w, "grows_later").get_json()
    assert _complete(w, d, {"n": LIMIT}).status_code == 200
    events = history(w, d["code"])
    clock.set(MONDAY_8AM + timedelta(hours=2))
    sweep(w.ctx, inline=True)
    stopped = dossier(w, d["code"])
    assert stopped["status"] == "in_process" and stopped["incident"] is not None, stopped
    assert "pad" not in stopped["data"] and stopped["current_steps"] == []
    assert history(w, d["code"]) == events
    r = w.client.get(f"/api/v1/incidents/{stopped['incident']}", headers=w.headers("designer"))
    assert str(LIMIT) in r.get_json()["error"] and r.get_json()["count"] == 1
    sweep(w.ctx, inline=True)  # not woken again
    r = w.client.get(f"/api/v1/incidents/{stopped['incident']}", headers=w.headers("designer"))
    assert r.get_json()["count"] == 1
