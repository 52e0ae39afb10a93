"""The push to the national portal, a subscription of the format `sync-packet`, on the demo's
judicial record certificate: a local receiver on 127.0.0.1 plays the portal; the packets
arrive signed, in order, with the status code of each stage; the portal's "already exists"
turns into an update; a 500 is tried again. On PostgreSQL the jobs go through Redis when
MOTCUA_TEST_REDIS_URL is set (the in-process broker otherwise), with a worker thread."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dramatiq
import pytest

from api.demo import DEPARTMENT, PRINCIPALS, UNIT, load_demo
from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.api.test_officer_day import APPLICANT, DATA, call, step
from tests.conftest import REDIS_URL, World
from tests.integration.production import wait_for
from tests.webhook_receiver import Receiver

LOCAL = {"webhook_allow_http": 1, "webhook_allow_networks": "127.0.0.0/8",
         "webhook_retry_seconds": 0.05, "webhook_timeout": 5.0}
BOUND = 60.0  # seconds a delivery may take on a loaded machine


@pytest.fixture
def portal(db_url: str, capsys: pytest.CaptureFixture[str]
           ) -> Iterator[tuple[World, ManualClock]]:
    """The demo on the test database, its receivers allowed on 127.0.0.1, a worker thread."""
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    settings = Settings(database_url=db_url, **LOCAL)
    load_demo(settings)
    capsys.readouterr()
    clock = ManualClock(MONDAY_8AM)
    app = create_app(settings, clock=clock)
    ctx = app.extensions["motcua"]
    broker_url = REDIS_URL if REDIS_URL and not db_url.startswith("sqlite") else ""
    if broker_url:
        import redis
        redis.Redis.from_url(broker_url).flushdb()
    install(ctx, make_broker(broker_url))
    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=2)
    worker.start()
    w = World(app, app.test_client(), ctx, "DEMO", UNIT, {t: t for t, *_ in PRINCIPALS})
    yield w, clock
    # The demo province is shared by the session's tests: its pushes end with this test, and
    # the dossiers it left open are withdrawn (no later sweep of another test wakes them).
    for who in ("demo-admin", "demo-client"):
        for sub in w.client.get("/api/v1/subscriptions", headers=w.headers(who)).json:
            w.client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=w.headers(who))
    client = w.headers("demo-client")
    for d in w.client.get("/api/v1/dossiers?mine=true&status=in_process",
                          headers=client).json["items"]:
        w.client.post(f"/api/v1/dossiers/{d['code']}/withdraw", headers=client,
                      json={"reason": "Hết phiên thử"})
    worker.stop()
    ctx.db_engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def push_to(w: World, url: str, **body: Any) -> dict[str, Any]:
    r = w.client.post("/api/v1/subscriptions", headers=w.headers("demo-admin"),
                      json={"url": url, "format": "sync-packet", **body})
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def packets(receiver: Receiver, code: str) -> list[dict[str, Any]]:
    """The packets of dossier `code` the portal took, in the order it took them."""
    return [p for p in receiver.events() if p["header"]["code"] == code]


def arrived(receiver: Receiver, code: str, count: int) -> list[dict[str, Any]]:
    return list(wait_for(lambda: (lambda got: got if len(got) >= count else None)(
        packets(receiver, code)), BOUND, f"{count} packets of {code}"))


def deliveries(w: World, sub: dict[str, Any]) -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries?limit=500",
                     headers=w.headers("demo-admin"))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["items"])


def complete(w: World, who: str, code: str, element: str, data: dict[str, Any]) -> None:
    task = step(w, code, element)
    call(w, who, "POST", f"/tasks/{task['task_id']}/complete", {"data": data})


def start(w: World) -> str:
    return str(call(w, "client", "POST", "/dossiers", {
        "process_key": "judicial_record_certificate", "channel": "online",
        "applicant": APPLICANT, "data": DATA})["code"])


def test_the_portal_gets_each_stage_of_a_dossier_in_order(
        portal: tuple[World, ManualClock], receiver: Receiver) -> None:
    w, clock = portal
    sub = push_to(w, receiver.url)
    assert (sub["scope"], sub["format"], sub["event_types"]) == (
        "province", "sync-packet", ["dossier.portal_status_changed"])
    assert sub["on_exists"]["exists_status"] == [409]
    code = start(w)
    arrived(receiver, code, 1)
    complete(w, "reception", code, "reception", {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT})
    arrived(receiver, code, 2)
    complete(w, "dept-specialist", code, "appraisal", {"appraisal_decision": "supplement"})
    complete(w, "dept-specialist", code, "request_supplement", {
        "supplement_reason": "Cần xác định nơi cư trú trước đây",
        "missing_documents": ["Giấy xác nhận thông tin về cư trú"],
        "supplement_deadline_days": 5})
    arrived(receiver, code, 3)
    clock.advance(timedelta(days=7))
    call(w, "client", "POST", f"/dossiers/{code}/supplement", {
        "documents": [{"kind": "Giấy xác nhận thông tin về cư trú", "name": "cu-tru.pdf"}],
        "message_id": "portal-supplement-1"})
    arrived(receiver, code, 4)
    complete(w, "dept-specialist", code, "appraisal", {
        "appraisal_decision": "propose_grant", "criminal_record": "none",
        "draft_result": "Cấp Phiếu lý lịch tư pháp số 1: không có án tích"})
    complete(w, "dept-leader", code, "approval", {"approval_decision": "approve"})
    arrived(receiver, code, 5)
    complete(w, "reception", code, "return_result", {
        "returned_to": "Bưu điện tỉnh", "recipient_role": "postal_service",
        "return_channel": "post", "postal_tracking": "EL987654321VN"})
    got = arrived(receiver, code, 6)

    assert [p["header"]["status"] for p in got] == [1, 4, 5, 4, 9, 10]
    assert all(r.signed_by(sub["secret"]) and r.method == "POST" for r in receiver.requests)
    # Each packet is the one GET /sync-packet gives: the last one, the dossier's story.
    assert got[-1] == call(w, "client", "GET", f"/dossiers/{code}/sync-packet")
    assert [p["element"] for p in got[-1]["progress"]] == [
        "reception", "appraisal", "request_supplement", "appraisal", "approval",
        "return_result"]
    assert got[0]["progress"] == [] and got[0]["header"]["accepted"] is None
    assert got[2]["supplement_requests"][0]["received"] is None
    assert got[3]["supplement_requests"][0]["received"] is not None
    # The log shows the events that caused them, delivered, each sent once.
    items = sorted(deliveries(w, sub), key=lambda d: d["id"])
    mine = [d for d in items if d["payload"]["data"]["dossier"] == code]
    assert [d["payload"]["data"]["portal_status"] for d in mine] == [1, 4, 5, 4, 9, 10]
    assert [d["payload"]["data"]["previous_portal_status"] for d in mine] == [
        None, 1, 4, 5, 4, 9]
    assert {d["status"] for d in mine} == {"delivered"}
    assert all(len(d["attempts"]) == 1 for d in mine)


def test_already_exists_becomes_an_update(portal: tuple[World, ManualClock],
                                          receiver: Receiver) -> None:
    w, _ = portal
    sub = push_to(w, receiver.url)
    receiver.answers = [(409, '{"error": "exists"}')]
    code = start(w)
    arrived(receiver, code, 1)
    # The worker records the answers after the portal took the update: wait for that.
    (item,) = wait_for(lambda: [d for d in deliveries(w, sub) if d["status"] == "delivered"
                                and d["payload"]["data"]["dossier"] == code] or None,
                       BOUND, "delivered")
    assert [a["status_code"] for a in item["attempts"]] == [409, 200]
    assert [(r.method, r.answered) for r in receiver.requests] == [("POST", 409), ("PUT", 200)]
    assert receiver.requests[0].body == receiver.requests[1].body
    assert {r.webhook_id for r in receiver.requests} == {item["webhook_id"]}


def test_a_body_code_names_already_exists_and_the_update_is_flagged(
        portal: tuple[World, ManualClock], receiver: Receiver) -> None:
    """A portal that answers 200 with its own code for "already exists"; the update goes
    with the method and the query the configuration gives."""
    w, _ = portal
    sub = push_to(w, receiver.url, on_exists={
        "exists_status": [], "exists_code": "HS_DA_TON_TAI", "update_method": "PATCH",
        "update_query": "action=update"})
    receiver.answers = [(200, '{"status": "error", "code": "HS_DA_TON_TAI"}'),
                        (200, '{"status": "ok"}')]
    code = start(w)
    wait_for(lambda: len(receiver.requests) >= 2 or None, BOUND, "the update")
    assert [(r.method, r.path) for r in receiver.requests] == [
        ("POST", "/hook"), ("PATCH", "/hook?action=update")]
    (item,) = wait_for(lambda: [d for d in deliveries(w, sub) if d["status"] == "delivered"
                                and d["payload"]["data"]["dossier"] == code] or None,
                       BOUND, "delivered")
    assert [a["status_code"] for a in item["attempts"]] == [200, 200]


def test_a_failing_portal_is_tried_again_and_later_packets_wait(
        portal: tuple[World, ManualClock], receiver: Receiver) -> None:
    w, _ = portal
    sub = push_to(w, receiver.url)
    first, release = threading.Event(), threading.Event()

    def hold(_: Any) -> None:
        if not first.is_set():
            first.set()
            release.wait(BOUND)

    receiver.answers, receiver.hold = [500, 500], hold
    code = start(w)
    wait_for(lambda: first.is_set() or None, BOUND, "the first try")
    complete(w, "reception", code, "reception", {
        "documents_checked": ["request_form", "identity_papers"],
        "reception_decision": "accept", "handling_unit": DEPARTMENT})
    release.set()
    got = arrived(receiver, code, 2)
    # Made when sent: the first try showed the dossier submitted, the next ones (after the
    # reception) accepted and at the department; the second packet waited for the first.
    assert receiver.requests[0].event["header"]["status"] == 1
    assert [p["header"]["status"] for p in got] == [4, 4]
    # The receiver has the packet before the sender records its attempt: wait for both.
    items = sorted(wait_for(lambda: (lambda found: found if len(found) == 2 and all(
        d["status"] == "delivered" for d in found) else None)(deliveries(w, sub)), BOUND,
        "both deliveries recorded"), key=lambda d: d["id"])
    assert [a["status_code"] for a in items[0]["attempts"]] == [500, 500, 200]
    assert [len(d["attempts"]) for d in items] == [3, 1]
    assert receiver.order == [d["webhook_id"] for d in items]


def test_only_an_administrator_sets_up_the_push(portal: tuple[World, ManualClock],
                                                receiver: Receiver) -> None:
    w, _ = portal

    def post(who: str, **body: Any) -> Any:
        return w.client.post("/api/v1/subscriptions", headers=w.headers(f"demo-{who}"),
                             json={"url": receiver.url, **body})

    r = post("client", format="sync-packet")
    assert r.status_code == 403, r.get_json()
    r = post("admin", format="sync-packet", on_exists={"update_method": "DELETE"})
    assert r.status_code == 422 and "update_method" in str(r.get_json())
    r = post("admin", format="event", event_types=["dossier.status_changed"],
             procedure_code="lltp-citizen", on_exists={"update_method": "PUT"})
    assert r.status_code == 422 and "on_exists" in str(r.get_json())
    r = post("admin", format="json")
    assert r.status_code == 422 and "format" in str(r.get_json())
    r = post("admin", event_types=["dossier.status_changed"])  # an event one names its scope
    assert r.status_code == 403, r.get_json()
    r = post("admin", format="sync-packet", procedure_code="lltp-citizen",
             event_types=["dossier.portal_status_changed", "task.created"])
    assert r.status_code == 201 and r.get_json()["scope"] == "procedure"
