"""Every procedure of the catalogue runs its scenarios end to end through the HTTP API.

For each ``processes/<name>.bpmn`` with a ``<name>.scenarios.json`` beside it: the diagram is
deployed with the forms it names from ``forms/``, and each scenario is played as people would:
a client submits the dossier, then for every step an officer of the task's unit and position
finds it in their inbox and completes it, or the client delivers the message the step names
(`supplement` through POST /dossiers/{code}/supplement, any other through
/dossiers/{code}/messages/{name}); the dossier ends where the scenario says, with its data.

Unit codes are unique across provinces, so every official unit code a scenario names (the
department chosen at reception, say) stands for a unit registered afresh in the test's province.
A last step `withdraw` is the applicant's withdrawal through the client that started the
dossier, `stop` a stop of processing by an officer of the receiving unit (POST
/dossiers/{code}/withdraw, form 05): ending a dossier needs nothing in a diagram.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.lifecycle.scenario_format import ENDINGS
from engine.org.units import OFFICIAL_CODE
from tests.api.helpers import official

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
CHANNELS = ("desk", "online", "post")


def _catalogue() -> list[tuple[Path, list[dict[str, Any]]]]:
    found = []
    for bpmn in sorted(PROCESSES.glob("*.bpmn")):
        scenarios = bpmn.with_suffix(".scenarios.json")
        if scenarios.exists():
            found.append((bpmn, json.loads(scenarios.read_text(encoding="utf-8"))))
    return found


CATALOGUE = _catalogue()
CASES = [pytest.param(bpmn, scenario, id=f"{bpmn.stem}:{scenario['name']}")
         for bpmn, scenarios in CATALOGUE for scenario in scenarios]


def _property_values(bpmn: Path, name: str) -> list[str]:
    xml = bpmn.read_text(encoding="utf-8")
    return sorted(set(re.findall(rf'name="{name}"\s+value="([^"]+)"', xml)))


def test_catalogue_is_not_empty() -> None:
    assert CASES


@pytest.mark.parametrize(("bpmn", "scenario"), CASES)
def test_scenario_runs_over_http(world: Any, bpmn: Path, scenario: dict[str, Any]) -> None:
    forms = _property_values(bpmn, "formJsonSchemaFilename")
    assert forms, f"{bpmn.name} names no forms"
    r = world.deploy(bpmn, [FORMS / f for f in forms])
    assert r.status_code == 201, r.get_json()
    key = r.get_json()["key"]
    assert key == bpmn.stem

    units: dict[str, str] = {}
    steps = [_with_units(world, units, step) for step in scenario["steps"]]
    expect = _with_units(world, units, scenario["expect"])
    positions = _property_values(bpmn, "position")
    officers: dict[tuple[str, str], str] = {}

    def officer_for(unit: str, position: str) -> str | None:
        if position not in positions:
            return None
        if (unit, position) not in officers:
            officers[unit, position] = f"officer_{position}_{unit}"
            world.principal(officers[unit, position], "officer", unit=unit, position=position)
        return officers[unit, position]

    applicant = scenario.get("applicant", {})
    channel = applicant.get("channel") if applicant.get("channel") in CHANNELS else "online"
    r = world.client.post("/api/v1/dossiers", json={
        "process_key": key, "applicant": applicant, "data": scenario["data"],
        "channel": channel}, headers=world.headers("client"))
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert r.get_json()["status"] == "in_process"
    assert r.get_json()["channel"] == channel

    for index, step in enumerate(steps):
        if ENDINGS.keys() & step:
            d = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers("auditor"))
            _end(world, code, step, [s["element_id"] for s in d.get_json()["current_steps"]])
            continue
        if "message" in step:
            r = _deliver(world, code, step["message"], step["data"])
            assert r.status_code == 200, (index, step["message"], r.get_json())
            assert r.get_json()["status"] != "error", r.get_json()["error"]
            continue
        d = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers("auditor"))
        assert d.status_code == 200
        current = d.get_json()["current_steps"]
        matching = [s for s in current if s["element_id"] == step["task"]]
        assert len(matching) == 1, (
            f"step {index}: expected {step['task']} open, open are "
            f"{[s['element_id'] for s in current]}")
        task = matching[0]
        officer = officer_for(task["unit"], task["position"])
        assert officer, f"step {index}: no position property matches {task['position']!r}"

        inbox = world.client.get("/api/v1/tasks",
                               headers=world.headers(officer)).get_json()["items"]
        assert task["task_id"] in {t["id"] for t in inbox}, f"step {index}: not in the inbox"
        r = world.client.post(f"/api/v1/tasks/{task['task_id']}/complete",
                              json={"data": step["data"]}, headers=world.headers(officer))
        assert r.status_code == 200, (index, step["task"], r.get_json())
        assert r.get_json()["status"] != "error", r.get_json()["error"]

    d = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers("auditor")).get_json()
    assert (d["status"] == "finished") == expect["finished"], d["current_steps"]
    assert d["status"] == expect.get("status", d["status"])
    if not expect["finished"]:
        return
    assert d["end_event"] == expect["end_event"]
    assert d["finished_at"]
    assert d["current_steps"] == []
    for field, value in expect.get("data", {}).items():
        assert d["data"].get(field) == value, f"{field}: {d['data'].get(field)!r} != {value!r}"
    for field in expect.get("data_absent", []):
        assert field not in d["data"], f"{field} should not be set, is {d['data'][field]!r}"

    events = world.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                              headers=world.headers("auditor")).get_json()["items"]
    completed = [e["element_id"] for e in events if e["kind"] == "task.completed"]
    assert completed == [s["task"] for s in steps if "task" in s]
    assert events[-1]["kind"] == "dossier.finished"
    assert events[-1]["element_id"] == expect["end_event"]


def _with_units(world: Any, units: dict[str, str], value: Any) -> Any:
    """`value` with every official unit code replaced by a unit registered for this test."""
    if isinstance(value, dict):
        return {k: _with_units(world, units, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_units(world, units, v) for v in value]
    if isinstance(value, str) and OFFICIAL_CODE.fullmatch(value):
        if value not in units:
            units[value] = official()
            world.register_unit(units[value])
        return units[value]
    return value


def _end(world: Any, code: str, step: dict[str, Any], waiting: list[str]) -> None:
    """The applicant withdraws (through the client that started the dossier) or the receiving
    unit's officer stops it, where it stands: form 05, the open tasks cancelled."""
    (verb,) = ENDINGS.keys() & step
    kind = ENDINGS[verb]
    who = "client" if kind == "withdrawn" else "officer"
    r = world.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=world.headers(who),
                          json={"kind": kind, "reason": step[verb]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == kind and r.get_json()["finished_at"]
    events = world.client.get(f"/api/v1/dossiers/{code}/history?limit=1000",
                              headers=world.headers("auditor")).get_json()["items"]
    ended = next(e for e in events if e["kind"] == f"dossier.{kind}")
    assert ended["payload"]["form"] == "05"
    assert ended["payload"]["cancelled_tasks"] == waiting


def _deliver(world: Any, code: str, name: str, data: dict[str, Any]) -> Any:
    """The client that started the dossier delivers the message."""
    if name == "supplement":
        return world.client.post(f"/api/v1/dossiers/{code}/supplement", json=data,
                                 headers=world.headers("client"))
    return world.client.post(f"/api/v1/dossiers/{code}/messages/{name}",
                             json={"payload": data}, headers=world.headers("client"))
