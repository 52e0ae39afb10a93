"""Webhooks end to end on each backend, with the in-process broker and a dramatiq worker
thread, against a real HTTP receiver on 127.0.0.1 (tests/webhook_receiver.py)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import pytest
from sqlalchemy import update

from engine.clock import ManualClock
from engine.services.webhooks.deliveries import deliver
from engine.settings import Settings
from engine.store.models_webhooks import WebhookDelivery
from engine.wiring import build_context
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, assert_problem, complete, started
from tests.conftest import World, make_world
from tests.integration.production import wait_for
from tests.webhook_receiver import Receiver

LOCAL = {"webhook_allow_http": 1, "webhook_allow_networks": "127.0.0.0/8",
         "webhook_retry_seconds": 0.05, "webhook_timeout": 5.0}
ALL = ["dossier.status_changed", "task.created", "dossier.approaching", "dossier.overdue",
       "dossier.result_ready", "dossier.supplement_requested"]
BOUND = 60.0  # seconds a delivery may take on a loaded machine


@pytest.fixture
def hooks(db_url: str) -> Iterator[World]:
    """A world whose receivers may be local, with a worker thread on its broker."""
    w = make_world(db_url, **LOCAL)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=2)
    worker.start()
    yield w
    worker.stop()
    w.ctx.db_engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def subscribe(w: World, url: str, who: str = "client", **body: Any) -> dict[str, Any]:
    r = w.client.post("/api/v1/subscriptions", headers=w.headers(who),
                      json={"url": url, "event_types": ALL, **body})
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def log(w: World, sub: dict[str, Any], who: str = "client") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries?limit=500",
                     headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["items"])


def settled(w: World, sub: dict[str, Any], who: str = "client") -> list[dict[str, Any]]:
    """The log once nothing is pending any more."""
    return list(wait_for(lambda: (lambda items: items if items and all(
        d["status"] != "pending" for d in items) else None)(log(w, sub, who)), BOUND,
        "every delivery settled"))


def run_dossier(w: World) -> str:
    d = started(w)
    receive = d["current_steps"][0]["task_id"]
    assert complete(w, receive, {"copies": 1}).status_code == 200
    after = w.client.get(f"/api/v1/dossiers/{d['code']}", headers=w.headers("client"))
    appraise = after.get_json()["current_steps"][0]["task_id"]
    assert complete(w, appraise, {"decision": "approve"}).status_code == 200
    return str(d["code"])


def test_signed_deliveries_in_order_per_dossier(hooks: World, receiver: Receiver) -> None:
    sub = subscribe(hooks, receiver.url)
    codes = [run_dossier(hooks) for _ in range(3)]
    items = settled(hooks, sub)
    assert {d["status"] for d in items} == {"delivered"}
    assert all(r.signed_by(sub["secret"]) for r in receiver.requests)
    assert not any(r.signed_by("whsec_" + "A" * 44) for r in receiver.requests)
    for code in codes:
        got = [e["type"] for e in receiver.events() if e["data"]["dossier"] == code]
        assert got == ["dossier.status_changed", "task.created", "task.created",
                       "dossier.status_changed", "dossier.result_ready"], got
        statuses = [e["data"]["status"] for e in receiver.events()
                    if e["data"]["dossier"] == code and e["type"] == "dossier.status_changed"]
        assert statuses == ["in_process", "finished"]
    # The order of effect is the order the deliveries were written in, per dossier.
    for code in codes:
        ids = [int(i.split("_")[1]) for i in receiver.order
               if receiver.effects[i]["data"]["dossier"] == code]
        assert ids == sorted(ids)


def test_retries_have_one_effect_and_one_webhook_id(hooks: World, receiver: Receiver) -> None:
    receiver.answers = [500, 500]
    sub = subscribe(hooks, receiver.url, event_types=["dossier.status_changed"])
    d = started(hooks)
    (item,) = settled(hooks, sub)
    assert item["status"] == "delivered"
    assert [a["status_code"] for a in item["attempts"]] == [500, 500, 200]
    assert [r.webhook_id for r in receiver.requests] == [item["webhook_id"]] * 3
    assert item["attempts"][0]["response_excerpt"] == "answered 500"
    assert len(receiver.effects) == 1
    assert receiver.events()[0]["data"]["dossier"] == d["code"]


def test_a_later_event_waits_for_the_earlier_one(hooks: World, receiver: Receiver) -> None:
    """The first delivery fails a few times: the second of the same dossier is not sent
    before it is delivered; another dossier's is not held up by it."""
    receiver.answers = [503, 503, 503]
    sub = subscribe(hooks, receiver.url, event_types=["dossier.status_changed",
                                                       "task.created"])
    d = started(hooks)
    items = settled(hooks, sub)
    first_ok = next(i for i, r in enumerate(receiver.requests) if r.answered == 200)
    assert receiver.requests[first_ok].event["type"] == "dossier.status_changed"
    assert all(r.event["type"] == "dossier.status_changed"
               for r in receiver.requests[:first_ok])
    assert [e["type"] for e in receiver.events()] == ["dossier.status_changed",
                                                      "task.created"]
    assert all(e["data"]["dossier"] == d["code"] for e in receiver.events())
    assert {i["status"] for i in items} == {"delivered"}


def test_gone_disables_the_subscription(hooks: World, receiver: Receiver) -> None:
    receiver.answers = [410]
    sub = subscribe(hooks, receiver.url, event_types=["dossier.status_changed",
                                                       "task.created"])
    started(hooks)
    items = settled(hooks, sub)
    assert {i["status"] for i in items} == {"dead"}
    assert len(receiver.requests) == 1
    got = hooks.client.get(f"/api/v1/subscriptions/{sub['id']}",
                           headers=hooks.headers("client")).get_json()
    assert got["active"] is False and "410" in got["disabled_reason"]
    started(hooks)  # nothing more is written for it
    assert len(log(hooks, sub)) == len(items)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook",
    "https://192.168.0.10/hook", "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://224.0.0.1/hook",
    "https://0.0.0.0/hook", "https://240.0.0.1/hook", "http://93.184.215.14/hook",
    "ftp://93.184.215.14/hook", "https://user:pw@93.184.215.14/hook", "not a url",
    "https://no-such-host.invalid/hook",
])
def test_receivers_that_are_not_public_are_refused(world: World, url: str) -> None:
    r = world.client.post("/api/v1/subscriptions", headers=world.headers("client"),
                          json={"url": url, "event_types": ["task.created"]})
    problem = assert_problem(r, 422, "webhook-url-refused")
    assert problem["errors"][0]["field"] == "url"


def test_the_receiver_is_checked_again_at_each_send(db_url: str, receiver: Receiver) -> None:
    """A subscription made while its network was allowed: a process whose settings no
    longer allow it sends nothing there, and the refusal is in the log."""
    w = make_world(db_url, **LOCAL)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    sub = subscribe(w, receiver.url, event_types=["dossier.status_changed"])
    started(w)  # the stub broker holds the message: nothing runs it here
    strict = build_context(Settings(database_url=db_url, webhook_allow_http=1))
    (item,) = log(w, sub)
    assert deliver(strict, item["id"]) == "retry"
    (item,) = log(w, sub)
    assert item["status"] == "pending" and receiver.requests == []
    assert "not public" in item["attempts"][0]["error"]
    assert item["attempts"][0]["status_code"] is None
    strict.db_engine.dispose()
    w.ctx.db_engine.dispose()


def test_secret_rotation_signs_with_both_during_the_grace(db_url: str,
                                                          receiver: Receiver) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    w = make_world(db_url, clock=clock, **LOCAL, webhook_secret_grace=3600.0)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    sub = subscribe(w, receiver.url, event_types=["dossier.status_changed"])
    r = w.client.post(f"/api/v1/subscriptions/{sub['id']}/secret", headers=w.headers("client"))
    assert r.status_code == 200
    new = r.get_json()["secret"]
    assert new != sub["secret"] and new.startswith("whsec_")
    assert "secret" not in w.client.get(f"/api/v1/subscriptions/{sub['id']}",
                                        headers=w.headers("client")).get_json()
    started(w)
    started(w)
    first, second = sorted(d["id"] for d in log(w, sub))
    assert deliver(w.ctx, first) == "delivered"
    both = receiver.requests[-1]
    assert both.signed_by(new) and both.signed_by(sub["secret"])
    assert len(both.signature.split(" ")) == 2
    clock.advance(timedelta(hours=2))  # the grace is over
    assert deliver(w.ctx, second) == "delivered"
    only = receiver.requests[-1]
    assert only.signed_by(new) and not only.signed_by(sub["secret"])
    w.ctx.db_engine.dispose()


def test_dead_after_the_maximum_age(db_url: str, receiver: Receiver) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    w = make_world(db_url, clock=clock, **{**LOCAL, "webhook_retry_seconds": 60.0},
                   webhook_max_age=3600.0)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    receiver.answers = [500] * 10
    sub = subscribe(w, receiver.url, event_types=["dossier.status_changed"])
    started(w)
    (item,) = log(w, sub)
    assert deliver(w.ctx, item["id"]) == "retry"
    assert deliver(w.ctx, item["id"]) == "early"  # its retry is not due yet
    clock.advance(timedelta(minutes=30))
    assert deliver(w.ctx, item["id"]) == "retry"
    clock.advance(timedelta(minutes=31))  # past the maximum age
    assert deliver(w.ctx, item["id"]) == "dead"
    (item,) = log(w, sub)
    assert item["status"] == "dead" and len(item["attempts"]) == 3
    assert deliver(w.ctx, item["id"]) == "done"
    assert len(receiver.requests) == 3
    # Asked again by its subscriber: sent once more, with the same webhook-id.
    receiver.answers = []
    r = w.client.post(f"/api/v1/subscriptions/{sub['id']}/deliveries/{item['id']}/redeliver",
                      headers=w.headers("client"))
    assert r.status_code == 202 and r.get_json()["status"] == "pending"
    assert deliver(w.ctx, item["id"]) == "delivered"
    assert receiver.requests[-1].webhook_id == item["webhook_id"]
    w.ctx.db_engine.dispose()


def test_scopes_and_owners(hooks: World, receiver: Receiver) -> None:
    w = hooks
    own = subscribe(w, receiver.url, event_types=["task.created"])
    w.principal("portal", "client", position="integration")
    # A client without the position may not follow a whole process; an admin may.
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("client"), json={
        "url": receiver.url, "event_types": ["task.created"], "process_key": "two_steps"})
    assert_problem(r, 403, "forbidden")
    wide = subscribe(w, receiver.url, who="portal", event_types=["task.created"],
                     process_key="two_steps")
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("admin"), json={
        "url": receiver.url, "event_types": ["task.created"], "process_key": "nope"})
    assert_problem(r, 422, "invalid-input")
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("client"), json={
        "url": receiver.url, "event_types": ["dossier.archived"]})
    assert r.status_code == 422
    w.principal("other", "client", unit=w.unit)
    started(w, who="other")
    started(w)
    wait_for(lambda: len(settled(w, wide, "portal")) == 2, BOUND, "both dossiers' tasks, to the process")
    assert len(settled(w, own)) == 1  # only the dossier the client started
    for path in (f"/api/v1/subscriptions/{own['id']}",
                 f"/api/v1/subscriptions/{own['id']}/deliveries"):
        assert w.client.get(path, headers=w.headers("other")).status_code == 404
        assert w.client.get(path, headers=w.headers("officer")).status_code == 403
    assert [s["id"] for s in w.client.get("/api/v1/subscriptions",
                                          headers=w.headers("client")).get_json()] == [own["id"]]
    assert w.client.delete(f"/api/v1/subscriptions/{own['id']}",
                           headers=w.headers("client")).status_code == 204
    assert w.client.get(f"/api/v1/subscriptions/{own['id']}",
                        headers=w.headers("client")).status_code == 404
    started(w)
    wait_for(lambda: len(settled(w, wide, "portal")) == 3, BOUND, "the process subscription goes on")


def test_a_slow_receiver_is_cut_off(db_url: str) -> None:
    """A receiver that does not answer within the timeout: the attempt fails (and is
    retried later) instead of holding a worker."""
    release = threading.Event()
    receiver = Receiver(hold=lambda _: release.wait(30)).start()
    w = make_world(db_url, **{**LOCAL, "webhook_timeout": 0.5})
    try:
        assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
        sub = subscribe(w, receiver.url, event_types=["dossier.status_changed"])
        started(w)
        (item,) = log(w, sub)
        assert deliver(w.ctx, item["id"]) == "retry"
        (item,) = log(w, sub)
        assert "Timeout" in item["attempts"][0]["error"]
    finally:
        release.set()
        receiver.stop()
        w.ctx.db_engine.dispose()


def drain(w: World, sub: dict[str, Any], who: str) -> None:
    """Send every pending delivery of `sub` here, oldest first (no worker runs)."""
    for item in sorted(log(w, sub, who), key=lambda d: d["id"]):
        if item["status"] == "pending":
            assert deliver(w.ctx, item["id"]) == "delivered"


def test_procedure_events_supplement_and_overdue(db_url: str, receiver: Receiver) -> None:
    """An administrator follows every dossier of a procedure: a supplement is asked for,
    then the dossier runs past its due time (found by the sweep, with an injected clock)."""
    from engine.jobs.relay import sweep
    from tests.api import test_supplement as supplement
    from tests.api.constructs import MONDAY_8AM
    from tests.api.helpers import post_bpmn

    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock, **LOCAL)
    forms = {"supplement-request.json":
             (supplement.FORMS / "supplement-request.json").read_bytes()}
    assert post_bpmn(w, supplement.DIAGRAM, forms).status_code == 201
    r = w.client.put("/api/v1/procedures/p1", headers=w.headers("designer"), json={
        "name": "Thủ tục", "process_key": "with_supplement", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 5, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201)
    sub = subscribe(w, receiver.url, who="admin", procedure_code="p1",
                    event_types=["dossier.supplement_requested", "dossier.overdue",
                                 "dossier.approaching"])
    assert sub["scope"] == "procedure"
    code = started(w, process_key="with_supplement")["code"]
    supplement.act(w, code, "appraise", {"decision": "supplement"})
    supplement.act(w, code, "ask", supplement.ASK)
    drain(w, sub, "admin")
    assert [e["type"] for e in receiver.events()] == ["dossier.supplement_requested"]
    assert supplement.bring(w, code, message_id="m1").status_code == 200
    clock.advance(timedelta(days=30))
    assert sweep(w.ctx, inline=True) >= 1  # this dossier, and others the month made due
    drain(w, sub, "admin")
    events = receiver.events()
    assert [e["type"] for e in events] == ["dossier.supplement_requested", "dossier.overdue"]
    assert all(e["data"]["dossier"] == code and e["data"]["procedure_code"] == "p1"
               for e in events)
    w.ctx.db_engine.dispose()


def test_each_message_the_process_begins_to_wait_for_is_an_event(
        db_url: str, receiver: Receiver) -> None:
    """Another agency (the tax office's notice) or a client (a payment) learns that a dossier
    now waits for its message: one `dossier.message_awaited` per command that made the
    process wait for new ones, naming them; none for a message it already waited for."""
    from tests.api.constructs import _deploy, _do, _message, _start

    w = make_world(db_url, **LOCAL)
    try:
        _deploy(w, "messages.bpmn")
        sub = subscribe(w, receiver.url, event_types=["dossier.message_awaited"])
        d = _start(w, "c_messages")  # the appraisal's boundary event waits for `withdrawn`
        d = _do(w, d, "appraise", {"decision": "approve"})  # now for `paid`
        assert _message(w, d["code"], "paid", {"amount": 1}, "pay-1").status_code == 200
        drain(w, sub, "client")
        events = receiver.events()
        assert [e["data"]["messages"] for e in events] == [["withdrawn"], ["paid"]]
        assert {(e["type"], e["data"]["dossier"]) for e in events} == {
            ("dossier.message_awaited", d["code"])}
    finally:
        w.ctx.db_engine.dispose()


def test_the_log_pages_through_pending_and_finished_deliveries(db_url: str) -> None:
    """Pending and finished deliveries are read through different indexes: the log still
    lists them newest first, page after page, with their totals, under each filter."""
    w = make_world(db_url, **LOCAL)  # no worker: the deliveries stay as they are put
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    sub = subscribe(w, "http://127.0.0.1:9/never")
    run_dossier(w)
    run_dossier(w)
    ids = sorted((d["id"] for d in log(w, sub)), reverse=True)
    assert len(ids) == 10
    status = {i: ("delivered", "dead", "pending")[n % 3] for n, i in enumerate(ids)}
    with w.ctx.uow() as uow:
        for i, s in status.items():
            uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == i)
                                .values(status=s))
        uow.commit()
    for wanted in (None, "pending", "delivered", "dead"):
        expected = [i for i in ids if wanted in (None, status[i])]
        seen = []
        for offset in range(0, 12, 3):
            query = f"limit=3&offset={offset}" + (f"&status={wanted}" if wanted else "")
            r = w.client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries?{query}",
                             headers=w.headers("client"))
            assert r.status_code == 200, r.get_json()
            assert r.get_json()["total"] == len(expected)
            seen += [(d["id"], d["status"]) for d in r.get_json()["items"]]
        assert seen == [(i, status[i]) for i in expected], wanted
    w.ctx.db_engine.dispose()
