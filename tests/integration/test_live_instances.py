"""Instances kept in memory between commands give the same results as instances loaded from
the stored state, are not used once another process moved the dossier, and are never left
behind half-stepped by a command that failed."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from engine.services.flow import progress
from engine.settings import Settings
from tests.conftest import World, make_world

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "processes" / "household_business_registration.bpmn"
SCENARIOS = json.loads(BPMN.with_suffix(".scenarios.json").read_text(encoding="utf-8"))


def _setup(world: World) -> None:
    xml = BPMN.read_text(encoding="utf-8")
    forms = sorted(set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"', xml)))
    assert world.deploy(BPMN, [ROOT / "forms" / f for f in forms]).status_code == 201
    for position in sorted(set(re.findall(r'name="position"\s+value="([^"]+)"', xml))):
        world.principal(position, "officer", unit=world.unit, position=position)


def _start(world: World, scenario: dict[str, Any]) -> str:
    r = world.client.post("/api/v1/dossiers", json={
        "process_key": BPMN.stem, "applicant": scenario.get("applicant", {}),
        "data": scenario["data"]}, headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def _open_task(world: World, code: str, element_id: str) -> dict[str, Any]:
    d = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers("auditor"))
    found = [s for s in d.get_json()["current_steps"] if s["element_id"] == element_id]
    assert len(found) == 1, d.get_json()["current_steps"]
    return found[0]


def _complete(world: World, client: Any, code: str, step: dict[str, Any]) -> Any:
    task = _open_task(world, code, step["task"])
    return client.post(f"/api/v1/tasks/{task['task_id']}/complete",
                       json={"data": step["data"]}, headers=world.headers(task["position"]))


def _outcome(world: World, code: str) -> dict[str, Any]:
    d = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers("auditor")).get_json()
    events = world.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                              headers=world.headers("auditor")).get_json()["items"]
    return {"status": d["status"], "end_event": d.get("end_event"), "data": d["data"],
            "steps": sorted(s["element_id"] for s in d["current_steps"]),
            "history": [(e["kind"], e["element_id"]) for e in events]}


def _play(world: World, scenario: dict[str, Any]) -> dict[str, Any]:
    code = _start(world, scenario)
    for step in scenario["steps"]:
        r = _complete(world, world.client, code, step)
        assert r.status_code == 200, r.get_json()
    return _outcome(world, code)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_kept_instances_give_what_loaded_instances_give(db_url: str,
                                                        scenario: dict[str, Any]) -> None:
    kept, loaded = make_world(db_url), make_world(db_url, live_instances=0)
    try:
        for w in (kept, loaded):
            _setup(w)
        assert _play(kept, scenario) == _play(loaded, scenario)
        assert kept.ctx.live.hits == len(scenario["steps"])  # every step reused one
        assert loaded.ctx.live.hits == 0
    finally:
        kept.ctx.db_engine.dispose()
        loaded.ctx.db_engine.dispose()


def test_an_instance_moved_on_by_another_process_is_loaded_afresh(db_url: str) -> None:
    scenario = SCENARIOS[0]
    world = make_world(db_url)
    other = create_app(Settings(database_url=db_url))  # a second API process
    try:
        _setup(world)
        code = _start(world, scenario)
        clients = [world.client, other.test_client()]
        for index, step in enumerate(scenario["steps"]):  # the two processes take turns
            r = _complete(world, clients[index % 2], code, step)
            assert r.status_code == 200, (step["task"], r.get_json())
        outcome = _outcome(world, code)
        assert outcome["status"] == "finished"
        assert outcome["end_event"] == scenario["expect"]["end_event"]
        completed = [e for k, e in outcome["history"] if k == "task.completed"]
        assert completed == [s["task"] for s in scenario["steps"]]
        # The first step follows this process's own intake: its kept instance is used.
        # Every later turn follows the other process's step: the kept one is stale.
        turns = len(range(0, len(scenario["steps"]), 2))
        assert turns >= 2
        assert (world.ctx.live.hits, world.ctx.live.misses) == (1, turns - 1)
    finally:
        world.ctx.db_engine.dispose()
        other.extensions["motcua"].db_engine.dispose()


def test_a_command_that_fails_after_stepping_leaves_no_instance_behind(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = SCENARIOS[0]
    _setup(world)
    code = _start(world, scenario)
    first = scenario["steps"][0]
    real_save = progress.save

    def failing_save(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store went away after the instance was stepped")

    monkeypatch.setattr(progress, "save", failing_save)
    world.app.config["PROPAGATE_EXCEPTIONS"] = False
    assert _complete(world, world.client, code, first).status_code == 500
    monkeypatch.setattr(progress, "save", real_save)
    # The task is still open in the store, and completing it again works: the stepped
    # instance of the failed command was not kept.
    r = _complete(world, world.client, code, first)
    assert r.status_code == 200, r.get_json()
    for step in scenario["steps"][1:]:
        assert _complete(world, world.client, code, step).status_code == 200
    outcome = _outcome(world, code)
    assert outcome["status"] == "finished"
    assert [e for k, e in outcome["history"] if k == "task.completed"] == \
        [s["task"] for s in scenario["steps"]]


def test_the_views_copy_of_the_data_is_deep_and_keeps_what_json_cannot_hold() -> None:
    from datetime import date

    from engine.services.flow.instances import _copy

    data: dict[str, Any] = {"members": [{"name": "An"}], "capital_vnd": 10**20}
    copied = _copy(data)
    assert copied == data
    copied["members"][0]["name"] = "Bình"
    assert data["members"][0]["name"] == "An"

    with_date: dict[str, Any] = {"on": date(2026, 3, 2), "list": [1]}
    copied = _copy(with_date)
    assert copied == with_date and copied["list"] is not with_date["list"]
