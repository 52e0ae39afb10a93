"""One command's engine steps have a time budget (MOTCUA_COMMAND_TIME_LIMIT): past it the
command is refused (422 `command-time-limit`) and nothing of it is stored; a timer firing
in a worker stops the dossier on a recorded error instead."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from tests.api import shapes
from tests.api.constructs import MONDAY_8AM, _wake_at
from tests.api.helpers import assert_problem, complete, dossier, history, intake, post_bpmn, step
from tests.conftest import World, make_world

LIMIT = 0.3
ENDLESS = 10**9  # rounds of the loop: only the budget ends it


@pytest.fixture
def clocked_world(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(MONDAY_8AM)
    # Each script may take its time (a loaded machine): only the command budget is tested.
    w = make_world(db_url, clock=clock, command_time_limit=LIMIT, script_time_limit=30.0)
    yield w, clock
    w.ctx.db_engine.dispose()


@pytest.fixture
def budget_world(clocked_world: tuple[World, ManualClock]) -> World:
    return clocked_world[0]


def _deploy(w: World, key: str, first: str | None = None) -> None:
    r = post_bpmn(w, shapes.script_loop(key, first=first))
    assert r.status_code == 201, r.get_json()


def _refused(r: Any) -> None:
    body = assert_problem(r, 422, "command-time-limit")
    assert "MOTCUA_COMMAND_TIME_LIMIT" in body["detail"] and str(LIMIT) in body["detail"]


def test_intake_that_loops_on_is_refused_and_nothing_is_stored(budget_world: World) -> None:
    w = budget_world
    _deploy(w, "loop")
    r = intake(w, "loop", data={"rounds": 3})
    assert r.status_code == 201 and r.get_json()["status"] == "finished", r.get_json()
    assert r.get_json()["data"]["n"] == 3
    _refused(intake(w, "loop", data={"rounds": ENDLESS}))
    r = w.client.get("/api/v1/dossiers", headers=w.headers("auditor"))
    assert r.get_json()["total"] == 1  # only the control dossier


def test_completion_that_loops_on_is_rolled_back(budget_world: World) -> None:
    w = budget_world
    _deploy(w, "loop_after_receive", first="receive")
    r = intake(w, "loop_after_receive", data={"rounds": ENDLESS})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    task = step(d, "receive")["task_id"]
    events = history(w, d["code"])
    _refused(complete(w, task, {}))
    # Nothing of the command was stored: the task still waits, the history is unchanged.
    after = dossier(w, d["code"])
    assert after["status"] == "in_process" and after["error"] is None
    assert [s["task_id"] for s in after["current_steps"]] == [task]
    assert history(w, d["code"]) == events
    # The same task completed with data that ends the loop goes through.
    r = complete(w, task, {"rounds": 2})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "finished" and r.get_json()["data"]["n"] == 2


def test_timer_that_loops_on_opens_an_incident(
        clocked_world: tuple[World, ManualClock]) -> None:
    w, clock = clocked_world
    _deploy(w, "loop_after_wait", first="wait")
    r = intake(w, "loop_after_wait", data={"rounds": ENDLESS})
    assert r.status_code == 201 and r.get_json()["status"] == "in_process", r.get_json()
    code = r.get_json()["code"]
    events = history(w, code)
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2), code)
    # What the timer's steps did was not stored, and the dossier is not woken again.
    assert d["status"] == "in_process" and d["error"] is None, d
    assert d["next_wakeup"] is None and d["incident"] is not None
    assert history(w, code) == events
    r = w.client.get(f"/api/v1/incidents/{d['incident']}", headers=w.headers("designer"))
    assert r.get_json()["trigger"] == "timer"
    assert "MOTCUA_COMMAND_TIME_LIMIT" in r.get_json()["error"]
