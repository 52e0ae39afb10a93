"""Diagram code failing at run time refuses the command (422 `process-error`, nothing of it
stored) and opens an incident; never a 500."""
from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import (
    API_DATA,
    assert_problem,
    complete,
    dossier,
    history,
    intake,
    officer_for,
    post_bpmn,
    step,
)

FAIL_AFTER_RECEIVE = API_DATA / "fail_after_receive.bpmn"
FAIL_AT_INTAKE = API_DATA / "fail_at_intake.bpmn"
COPIES = API_DATA / "copies.json"

DIVIDE = "fee = 100 / copies"
# The smallest loop that outlives any time limit: it never ends on its own.
FOREVER = "n = 0\nwhile n &gt;= 0:\n    n = n + 1"
# Holds a megabyte more on every turn: only the memory limit stops it before the time limit.
MEMORY_BOMB = 'x = []\nwhile True:\n    x.append("a" * 1000000)'
MEMORY_LIMIT_MB = 16
# Refused at run time although it deploys: the name is only known once the task has data.
UNKNOWN_NAME = "fee = 100 * no_such_variable"


@pytest.fixture
def fast_world(db_url: str) -> Iterator[Any]:
    """Like `world`, with a 0.2 s script time limit so a runaway loop is stopped quickly, and
    a 16 MB memory limit."""
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings
    from tests.conftest import World

    app = create_app(Settings(database_url=db_url, script_time_limit=0.2,
                                  script_memory_limit=MEMORY_LIMIT_MB))
    ctx = app.extensions["motcua"]
    install(ctx, make_broker(""))
    suffix = uuid.uuid4().hex[:8]
    w = World(app, app.test_client(), ctx, f"P{suffix}", f"000.00.{suffix[:4]}.S{suffix[4:]}", {})
    w.register_unit(w.unit)
    for who in ("designer", "officer", "auditor", "admin"):
        w.principal(who, who, unit=w.unit if who == "officer" else None,
                    position="officer" if who == "officer" else None)
    w.principal("client", "client", unit=w.unit)
    yield w
    ctx.db_engine.dispose()


def _deploy(world: Any, script: str) -> None:
    xml = FAIL_AFTER_RECEIVE.read_text(encoding="utf-8").replace("SCRIPT", script)
    r = post_bpmn(world, xml.encode("utf-8"), {"copies.json": COPIES.read_bytes()})
    assert r.status_code == 201, r.get_json()


def _fail(world: Any, script: str, copies: int) -> tuple[str, dict[str, Any]]:
    """Start a dossier and complete `receive` so that `compute` runs `script` and fails."""
    _deploy(world, script)
    r = intake(world, "fail_after_receive")
    assert r.status_code == 201, r.get_json()
    started = r.get_json()
    assert {s["element_id"] for s in started["current_steps"]} == {"receive", "check"}
    events = history(world, started["code"])
    r = complete(world, step(started, "receive")["task_id"], {"copies": copies})
    # The diagram failed: the officer's completion is refused, naming the element, and
    # nothing of it is stored.
    body = assert_problem(r, 422, "process-error")
    assert body["errors"][0]["element"] == "compute", body
    assert history(world, started["code"]) == events
    return started["code"], started


def _assert_as_it_was(world: Any, code: str, started: dict[str, Any], words: tuple[str, ...]
                     ) -> None:
    """The dossier is as it was before the failed completion, and an incident says why."""
    d = dossier(world, code)
    assert d["status"] == "in_process" and d["error"] is None
    assert sorted(s["task_id"] for s in d["current_steps"]) == \
        sorted(s["task_id"] for s in started["current_steps"])
    assert not [e for e in history(world, code) if e["kind"] == "step.error"]
    r = world.client.get("/api/v1/incidents", headers=world.headers("designer"))
    [incident] = r.get_json()["items"]
    assert incident["element"]["id"] == "compute" and incident["dossier_code"] == code
    assert any(w in incident["error"] for w in words), incident["error"]
    assert d["incident"] == incident["id"]

    # The other task still moves on; reading works.
    check = step(started, "check")["task_id"]
    r = world.client.get(f"/api/v1/tasks/{check}",
                         headers=world.headers(officer_for(world, check)))
    assert r.status_code == 200
    assert complete(world, check, {"copies": 1}).status_code == 200


def test_division_by_zero_refuses_the_completion(fast_world: Any) -> None:
    code, started = _fail(fast_world, DIVIDE, copies=0)
    _assert_as_it_was(fast_world, code, started, ("division", "zero"))


def test_unknown_name_refuses_the_completion(fast_world: Any) -> None:
    code, started = _fail(fast_world, UNKNOWN_NAME, copies=1)
    _assert_as_it_was(fast_world, code, started, ("no_such_variable",))


def test_runaway_loop_is_stopped_by_the_time_limit(fast_world: Any) -> None:
    code, started = _fail(fast_world, FOREVER, copies=1)
    _assert_as_it_was(fast_world, code, started, ("exceeded", "time", "limit"))


def test_memory_bomb_is_stopped_by_the_memory_limit_and_its_memory_freed(fast_world: Any
                                                                         ) -> None:
    """The script of the hardening issue: stopped as an incident on the dossier (not a 500,
    not the time limit), and what it allocated is released once the command is over."""
    ours = not tracemalloc.is_tracing()
    if ours:
        tracemalloc.start()
    try:
        _deploy(fast_world, MEMORY_BOMB)
        started = intake(fast_world, "fail_after_receive").get_json()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        r = complete(fast_world, step(started, "receive")["task_id"], {"copies": 1})
        assert_problem(r, 422, "process-error")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        if ours:
            tracemalloc.stop()
    assert held < 4 * 1024 * 1024, f"{held} bytes still held after the command"
    _assert_as_it_was(fast_world, started["code"], started,
                      (f"allocated more than {MEMORY_LIMIT_MB} MB",))
    # Nothing the script bound was stored with the dossier: its state is as small as before.
    with fast_world.ctx.uow(readonly=True) as uow:
        row = uow.repo.dossier(fast_world.province, started["code"])
        assert row is not None
        state = row.state
    stored = len(state) if isinstance(state, str) else len(json.dumps(state))
    assert stored < 100_000, f"the stored state is {stored} bytes"


def test_memory_limit_also_bounds_conditions(fast_world: Any) -> None:
    """A condition (evaluated, not executed) that builds a large value is stopped too."""
    from engine.sandbox import SandboxViolation, make_script_engine

    env = make_script_engine(time_limit=5.0, memory_limit=MEMORY_LIMIT_MB).environment
    with pytest.raises(SandboxViolation, match=f"allocated more than {MEMORY_LIMIT_MB} MB"):
        env.evaluate('len([("a" * 1000000) + str(i) for i in range(1000)]) > 0', {})
    # The control: the same condition within the limit is answered.
    assert env.evaluate('len([("a" * 1000) + str(i) for i in range(1000)]) > 0', {}) is True


def test_the_same_script_succeeds_with_good_data(fast_world: Any) -> None:
    """Control: the diagram itself is sound; only the data made it fail."""
    _deploy(fast_world, DIVIDE)
    started = intake(fast_world, "fail_after_receive").get_json()
    r = complete(fast_world, step(started, "receive")["task_id"], {"copies": 4})
    assert r.status_code == 200 and r.get_json()["status"] == "in_process"
    assert r.get_json()["data"]["fee"] == 25
    r = complete(fast_world, step(started, "check")["task_id"], {"copies": 4})
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "in_process" and body["error"] is None
    assert body["current_steps"] == []  # only the payment message is awaited now
    assert not [e for e in history(fast_world, started["code"]) if e["kind"] == "step.error"]


def test_failure_at_intake_stores_no_dossier(fast_world: Any) -> None:
    r = post_bpmn(fast_world, FAIL_AT_INTAKE.read_bytes())
    assert r.status_code == 201, r.get_json()
    body = assert_problem(intake(fast_world, "fail_at_intake", data={"copies": 0}), 422,
                          "process-error")
    assert body["errors"][0]["element"] == "compute"
    assert "division" in body["detail"] or "zero" in body["detail"]
    r = fast_world.client.get("/api/v1/dossiers", headers=fast_world.headers("auditor"))
    assert r.get_json()["total"] == 0
