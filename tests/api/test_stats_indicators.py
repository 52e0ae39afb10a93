"""The Decision 766 groups that come from what the dossiers hold beside their clocks:
digitisation (papers and results kept as files), online payment (payments delivered to
the process as messages) and transparency (the national portal taking the dossiers'
pushes, in time or late), each checked on a small data set worked out by hand below."""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.services.webhooks.deliveries import deliver
from tests.api.constructs import MONDAY_8AM, VN
from tests.api.helpers import post_bpmn, started
from tests.api.test_submitted_documents import pdf
from tests.conftest import World, make_world
from tests.webhook_receiver import Receiver

LOCAL = {"webhook_allow_http": 1, "webhook_allow_networks": "127.0.0.0/8",
         "webhook_timeout": 5.0}

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://example.org/motcua-tests">
  <bpmn:message id="msg_fee" name="fee_paid"/>
  <bpmn:process id="paid_service" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="appraise" name="Appraise"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait_fee" name="Fee paid">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:messageEventDefinition id="med" messageRef="msg_fee"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="appraise"/>
    <bpmn:sequenceFlow id="f2" sourceRef="appraise" targetRef="wait_fee"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait_fee" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture
def office(db_url: str) -> Iterator[tuple[World, ManualClock, Receiver]]:
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock, **LOCAL)
    assert post_bpmn(w, DIAGRAM).status_code == 201
    r = w.client.put("/api/v1/procedures/p2", headers=w.headers("designer"), json={
        "name": "Thủ tục có lệ phí", "process_key": "paid_service", "level": "province",
        "documents": [{"kind": "request_form", "name": "Tờ khai"}],
        "rules": [{"effective_from": "2025-07-01", "calendar": "vn",
                   "limits": {"default": {"value": 5, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201), r.get_json()
    receiver = Receiver().start()
    yield w, clock, receiver
    receiver.stop()
    with w.ctx.db_engine.begin() as conn:  # no later sweep should wake these dossiers
        conn.execute(text("UPDATE dossiers SET next_wakeup = NULL WHERE province = :p"),
                     {"p": w.province})
    w.ctx.db_engine.dispose()


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=VN)


def upload(w: World, code: str, kind: str, who: str) -> None:
    r = w.client.post(f"/api/v1/dossiers/{code}/documents", headers=w.headers(who),
                      data={"kind": kind, "file": [(io.BytesIO(pdf()), "a.pdf")]},
                      content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()


def appraise(w: World, code: str) -> None:
    r = w.client.get(f"/api/v1/dossiers/{code}", headers=w.headers("officer"))
    task = r.get_json()["current_steps"][0]["task_id"]
    r = w.client.post(f"/api/v1/tasks/{task}/complete", json={"data": {}},
                      headers=w.headers("officer"))
    assert r.status_code == 200, r.get_json()


def pay(w: World, code: str, payload: dict[str, Any]) -> None:
    r = w.client.post(f"/api/v1/dossiers/{code}/messages/fee_paid",
                      json={"payload": payload}, headers=w.headers("client"))
    assert r.status_code == 200, r.get_json()


def push_pending(w: World, code: str) -> int:
    """Send every pending push of dossier `code` now, in order; how many the portal took."""
    with w.ctx.db_engine.connect() as conn:
        ids = conn.execute(text(
            "SELECT d.id FROM webhook_deliveries d JOIN dossiers x ON x.id = d.dossier_id "
            "WHERE x.code = :c AND d.status = 'pending' ORDER BY d.id"), {"c": code}).scalars()
        pending = list(ids)
    assert all(deliver(w.ctx, i) == "delivered" for i in pending)
    return len(pending)


def test_digitisation_payment_and_transparency(
        office: tuple[World, ManualClock, Receiver]) -> None:
    w, clock, receiver = office
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("admin"),
                      json={"url": receiver.url, "format": "sync-packet"})
    assert r.status_code == 201, r.get_json()
    clock.set(at(2, 8))  # Monday 2 March
    a, b, c, d = (str(started(w, process_key="paid_service", channel=ch)["code"])
                  for ch in ("online", "desk", "online", "online"))
    clock.set(at(2, 9))
    upload(w, a, "request_form", "client")
    upload(w, a, "request_form", "client")   # a second paper: A is still one dossier
    upload(w, a, "result", "officer")        # the result kept as a file
    upload(w, c, "request_form", "client")
    appraise(w, a)
    appraise(w, b)
    pay(w, a, {"amount": 50000, "channel": "online", "reference": "KB-1"})
    pay(w, b, {"amount": 50000, "channel": "desk"})  # paid in cash at the desk
    # The portal takes A's and B's pushes at once (in time), C's two days later (late):
    # taken 4 March 10:00, its change 2 March 08:00, 50 hours > 24. D's are never taken.
    taken_in_time = push_pending(w, a) + push_pending(w, b)
    clock.set(at(4, 10))
    taken_late = push_pending(w, c)
    assert taken_late == 1  # C only changed once: accepted
    assert len(receiver.events()) == taken_in_time + taken_late

    body = w.client.get(f"/api/v1/stats?province={w.province}&from=2026-03-01"
                        "&to=2026-03-31").get_json()["total"]
    # Received 4 (A, B, C, D); papers kept as files for A and C: 2 / 4 = 0.5. Finished 2
    # (A, B: both paid, which ends the process); A's result is a file: 1 / 2 = 0.5.
    assert body["digitisation"] == {"received_digitised": 2, "digitised_share": 0.5,
                                    "results_electronic": 1, "results_electronic_share": 0.5}
    # Two payments, A's online: 1 / 2.
    assert body["payments"] == {"total": 2, "online": 1, "online_share": 0.5}
    # The portal took pushes of A, B and C: 3 of the 4 received = 0.75.
    assert body["portal"]["received_synced"] == 3 and body["portal"]["synced_share"] == 0.75
    assert body["portal"]["pushes"] == taken_in_time + 1
    assert body["portal"]["pushes_in_time"] == taken_in_time

    got = w.client.get(f"/api/v1/stats/indicators?province={w.province}&from=2026-03-01"
                       "&to=2026-03-31").get_json()
    groups = {g["group"]: g for g in got["groups"]}
    # Digitisation: 22 × (0.5 + 0.5) / 2 = 11. Online payment: 10 × 0.5 = 5.
    assert (groups["digitisation"]["rate"], groups["digitisation"]["points"]) == (0.5, 11.0)
    assert (groups["online_payment"]["rate"], groups["online_payment"]["points"]) == (0.5, 5.0)
    # Transparency: 18 × 0.75 synced × in-time share. A and B changed portal status three
    # times each (accepted 2, in process 4 once the officer acted, processing finished 9):
    # 6 pushes in time; C's one (accepted) late: 6 / 7 in time.
    assert taken_in_time == 6
    # 3/4 × 6/7 = 18/28 = 0.642857 → 0.6429; 18 × 0.6429 = 11.57.
    assert groups["transparency"]["rate"] == 0.6429
    assert groups["transparency"]["points"] == 11.57
    # Every group has something to score: 100 points at most.
    assert got["points_of"] == 100 and all(g["computed"] for g in got["groups"])
    assert all(groups[g].get("limits") for g in ("transparency", "online_payment",
                                                  "digitisation"))
