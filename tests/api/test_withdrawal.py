"""Withdrawal by the applicant and stop of processing (form 05): open tasks cancelled, the
clock stopped, nothing moves the dossier afterwards, everything in the history."""
from __future__ import annotations

from typing import Any

from engine.clock import ManualClock
from tests.api.helpers import (
    assert_problem,
    complete,
    dossier,
    history,
    officer_for,
    official,
    started,
    step,
)
from tests.conftest import World


def end(world: World, code: str, who: str, **body: Any) -> Any:
    return world.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=world.headers(who),
                             json={"reason": "Công dân có đơn xin rút hồ sơ", **body})


def test_the_applicant_withdraws_through_the_portal(two_steps: World) -> None:
    world = two_steps
    code = started(world)["code"]
    task_id = step(dossier(world, code), "receive")["task_id"]
    r = end(world, code, "client")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "withdrawn" and r.get_json()["finished_at"]
    after = dossier(world, code)
    assert after["current_steps"] == [] and after["next_wakeup"] is None
    event = next(e for e in history(world, code) if e["kind"] == "dossier.withdrawn")
    assert event["payload"]["form"] == "05" and event["payload"]["cancelled_tasks"] == ["receive"]
    assert event["payload"]["reason"] == "Công dân có đơn xin rút hồ sơ"
    # Nothing moves it any more.
    assert_problem(complete(world, task_id, {"copies": 1}), 409, "task-already-completed")
    assert_problem(end(world, code, "client"), 409, "dossier-ended")
    r = world.client.post(f"/api/v1/dossiers/{code}/messages/paid", json={"payload": {}},
                          headers=world.headers("client"))
    assert r.status_code == 422
    assert world.client.get("/api/v1/tasks", headers=world.headers(
        officer_for(world, task_id))).get_json()["items"] == []


def test_who_may_end_a_dossier(two_steps: World) -> None:
    world = two_steps
    elsewhere = official()
    world.register_unit(elsewhere)
    world.principal("elsewhere", "officer", unit=elsewhere, position="officer")
    world.principal("portal2", "client", unit=world.unit)
    code = started(world)["code"]
    assert_problem(end(world, code, "portal2"), 404, "not-found")
    assert_problem(end(world, code, "elsewhere"), 404, "not-found")
    for who in ("designer", "auditor", "admin"):
        assert_problem(end(world, code, who), 403, "forbidden")
    # Only the units handling a dossier stop its processing; the client only withdraws.
    assert_problem(end(world, code, "client", kind="stopped"), 403, "forbidden")
    body = assert_problem(end(world, code, "client", kind="paused", reason=" "), 422,
                          "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"/kind"}
    body = assert_problem(end(world, code, "officer", reason="   "), 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["reason"]
    assert dossier(world, code)["status"] == "in_process"
    r = end(world, code, "officer", kind="stopped", reason="Hồ sơ giả mạo giấy tờ")
    assert r.status_code == 200 and r.get_json()["status"] == "stopped"
    event = next(e for e in history(world, code) if e["kind"] == "dossier.stopped")
    assert event["payload"]["position"] == "officer"


def test_the_clock_stops_with_a_withdrawal(clocked: tuple[World, ManualClock]) -> None:
    from datetime import timedelta

    from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS

    world, clock = clocked
    assert world.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = world.client.put("/api/v1/procedures/p1", headers=world.headers("designer"), json={
        "name": "Thủ tục", "process_key": "two_steps", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 1, "unit": "working_days"}}}]})
    assert r.status_code in (200, 201), r.get_json()
    code = started(world)["code"]
    assert dossier(world, code)["next_wakeup"] is not None
    clock.advance(timedelta(hours=2))
    assert end(world, code, "client").status_code == 200
    clock.advance(timedelta(days=10))
    from engine.services.flow.dossiers import wake

    with world.ctx.uow(readonly=True) as uow:
        dossier_id = uow.repo.dossier(world.province, code).id
    assert wake(world.ctx, dossier_id) is False  # nothing is due on an ended dossier
    after = dossier(world, code)
    assert after["status"] == "withdrawn" and after["next_wakeup"] is None
    assert [e["kind"] for e in history(world, code)][-2:] == ["dossier.withdrawn",
                                                              "document.issued"]
