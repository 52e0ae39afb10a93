"""Routing across agencies (liên thông): a task goes to the unit its diagram or the dossier's
data names, the receiving and handling units are both kept, and every hand-over between
units is in the history."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.api.helpers import (
    assert_problem,
    dossier,
    history,
    intake,
    official,
    post_bpmn,
    started,
)
from tests.conftest import World


def _task(task_id: str, lane: str, unit: str | None) -> str:
    prop = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
            f'name="unit" value="{unit}"/></spiffworkflow:properties></bpmn:extensionElements>'
            if unit is not None else "")
    return (f'<bpmn:userTask id="{task_id}" name="{task_id}">{prop}'
            f'<bpmn:incoming>to_{task_id}</bpmn:incoming>'
            f'<bpmn:outgoing>from_{task_id}</bpmn:outgoing></bpmn:userTask>')


def diagram(steps: list[tuple[str, str, str | None]], key: str = "handover") -> bytes:
    """start → each (task, lane, unit property) in turn → end."""
    lanes = {}
    for task_id, lane, _ in steps:
        lanes.setdefault(lane, []).append(task_id)
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{name}" name="{name}">'
        + "".join(f"<bpmn:flowNodeRef>{t}</bpmn:flowNodeRef>" for t in tasks) + "</bpmn:lane>"
        for name, tasks in lanes.items())
    ids = ["start", *[s[0] for s in steps], "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="{"to_" + b if b != "end" else "from_" + a}" '
        f'sourceRef="{a}" targetRef="{b}"/>'
        for a, b in zip(ids, ids[1:], strict=False))
    first = steps[0][0]
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:laneSet id="ls">{lane_xml}</bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>to_{first}</bpmn:outgoing></bpmn:startEvent>
    {"".join(_task(*s) for s in steps)}
    <bpmn:endEvent id="end"><bpmn:incoming>from_{steps[-1][0]}</bpmn:incoming></bpmn:endEvent>
    {flows.replace(f'id="to_{first}"', f'id="to_{first}"')}
  </bpmn:process>
</bpmn:definitions>'''.encode()


def officer(world: World, name: str, unit: str, position: str) -> str:
    world.principal(name, "officer", unit=unit, position=position)
    return name


def inbox(world: World, who: str) -> list[str]:
    r = world.client.get("/api/v1/tasks", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    return [t["element_id"] for t in r.get_json()["items"]]


def complete(world: World, who: str, code: str, element: str, data: dict[str, Any]) -> Any:
    task = next(s for s in dossier(world, code)["current_steps"] if s["element_id"] == element)
    return world.client.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": data},
                             headers=world.headers(who))


def handovers(world: World, code: str) -> list[tuple[str, str, str]]:
    return [(e["element_id"], e["payload"]["from_unit"], e["payload"]["to_unit"])
            for e in history(world, code) if e["kind"] == "dossier.handed_over"]


def test_a_dossier_goes_from_the_centre_to_a_department_and_back(world: World) -> None:
    centre, department, board = world.unit, official(), official()
    world.register_unit(department)
    world.register_unit(board)
    steps = [("receive", "reception", "receiving"),
             ("appraise", "specialist", "routing.department"),
             ("approve", "leader", board),
             ("hand_back", "reception", "receiving")]
    r = post_bpmn(world, diagram(steps))
    assert r.status_code == 201, r.get_json()
    desk = officer(world, "desk", centre, "reception")
    expert = officer(world, "expert", department, "specialist")
    centre_expert = officer(world, "centre_expert", centre, "specialist")
    chair = officer(world, "chair", board, "leader")

    code = started(world, process_key="handover")["code"]
    assert inbox(world, desk) == ["receive"]
    assert complete(world, desk, code, "receive",
                    {"routing": {"department": department}}).status_code == 200
    assert inbox(world, expert) == ["appraise"] and inbox(world, centre_expert) == []
    assert [s["unit"] for s in dossier(world, code)["current_steps"]] == [department]
    # The department's officer now sees the dossier; it was received by the centre.
    seen = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers(expert))
    assert seen.status_code == 200 and seen.get_json()["unit"] == centre
    assert complete(world, expert, code, "appraise", {}).status_code == 200
    assert inbox(world, chair) == ["approve"]
    assert complete(world, chair, code, "approve", {}).status_code == 200
    assert inbox(world, desk) == ["hand_back"]
    assert complete(world, desk, code, "hand_back", {}).status_code == 200
    assert handovers(world, code) == [("appraise", centre, department),
                                      ("approve", department, board),
                                      ("hand_back", board, centre)]


def test_a_unit_chosen_in_the_data_must_be_registered(world: World) -> None:
    steps = [("receive", "reception", "receiving"), ("appraise", "specialist", "department")]
    assert post_bpmn(world, diagram(steps)).status_code == 201
    desk = officer(world, "desk", world.unit, "reception")
    code = started(world, process_key="handover")["code"]
    for chosen in (official(), None, 7):
        body = assert_problem(complete(world, desk, code, "receive", {"department": chosen}),
                              422, "invalid-input")
        assert body["errors"][0]["field"] == "/data/department", body
    # Refused: nothing moved, the reception task still waits.
    assert [s["element_id"] for s in dossier(world, code)["current_steps"]] == ["receive"]
    assert handovers(world, code) == []


def test_reception_regardless_of_territory_keeps_both_units(two_steps: World) -> None:
    world = two_steps
    department = official()
    world.register_unit(department)
    expert = officer(world, "expert", department, "reception")
    body = started(world, handling_unit=department)
    assert (body["unit"], body["handling_unit"]) == (world.unit, department)
    assert [s["unit"] for s in body["current_steps"]] == [department]
    assert inbox(world, expert) == ["receive"]
    assert handovers(world, body["code"]) == [("receive", world.unit, department)]
    received = history(world, body["code"])[0]
    assert received["payload"]["handling_unit"] == department
    plain = started(world)
    assert plain["handling_unit"] == world.unit and handovers(world, plain["code"]) == []
    # Found by either unit.
    for query, expected in ((f"handling_unit={department}", [body["code"]]),
                            (f"handling_unit={world.unit}", [plain["code"]]),
                            (f"unit={world.unit}", [plain["code"], body["code"]])):
        page = world.client.get(f"/api/v1/dossiers?{query}", headers=world.headers("auditor"))
        assert [d["code"] for d in page.get_json()["items"]] == expected, query
    body = assert_problem(intake(world, handling_unit=official()), 422, "invalid-input")
    assert body["errors"] == [{"field": "handling_unit",
                               "message": "not a registered unit of your province"}]


def test_a_task_names_its_unit_in_a_way_the_platform_reads(world: World) -> None:
    for bad in ("not a unit!", "000.00.20", "../x", "a." * 40 + "b"):
        r = post_bpmn(world, diagram([("receive", "reception", bad)]))
        body = assert_problem(r, 422, "bpmn-invalid")
        assert any(e.get("element_id") == "receive" or "receive" in str(e)
                   for e in body["errors"]), body
    r = post_bpmn(world, diagram([("receive", "reception", "handling")]))
    assert r.status_code == 201, r.get_json()


def test_a_search_finds_a_dossier_in_every_unit_its_tasks_went_to(world: World) -> None:
    """An officer's search covers the dossiers their unit received or has held a task of:
    on PostgreSQL from the units kept on the dossier (`task_units`, written with each new
    task), on SQLite from the tasks."""
    centre, department, board = world.unit, official(), official()
    world.register_unit(department)
    world.register_unit(board)
    steps = [("receive", "reception", "receiving"),
             ("appraise", "specialist", "routing.department"),
             ("approve", "leader", board)]
    assert post_bpmn(world, diagram(steps)).status_code == 201
    desk = officer(world, "desk", centre, "reception")
    expert = officer(world, "expert", department, "specialist")
    chair = officer(world, "chair", board, "leader")
    code = started(world, process_key="handover")["code"]
    other = started(world, process_key="handover")["code"]  # stays at the centre

    def finds(who: str) -> dict[str, list[str]]:
        out = {}
        for q in (code, "nguyen van a"):
            r = world.client.get("/api/v1/dossiers", query_string={"q": q},
                                 headers=world.headers(who))
            assert r.status_code == 200, r.get_json()
            assert r.get_json()["total"] == len(r.get_json()["items"])
            out[q] = [d["code"] for d in r.get_json()["items"]]
        return out

    assert finds(desk) == {code: [code], "nguyen van a": [other, code]}
    assert finds(expert) == finds(chair) == {code: [], "nguyen van a": []}
    assert complete(world, desk, code, "receive",
                    {"routing": {"department": department}}).status_code == 200
    assert finds(expert) == {code: [code], "nguyen van a": [code]}
    assert finds(chair) == {code: [], "nguyen van a": []}
    assert complete(world, expert, code, "appraise", {}).status_code == 200
    # The department held a task of it: still in its scope once the task is done.
    assert finds(expert) == finds(chair) == {code: [code], "nguyen van a": [code]}
    assert finds(desk) == {code: [code], "nguyen van a": [other, code]}
    if world.ctx.db_engine.dialect.name == "postgresql":
        with world.ctx.db_engine.connect() as conn:
            stored = dict(conn.execute(text(
                "SELECT code, task_units FROM dossiers WHERE code IN (:a, :b)"),
                {"a": code, "b": other}).all())
        assert stored == {code: sorted([centre, department, board]), other: [centre]}
        # Migration 0035 fills the dossiers stored before it from their tasks: the same.
        with world.ctx.db_engine.begin() as conn:
            conn.execute(text("UPDATE dossiers SET task_units = NULL"))
            _migration("0035_dossier_task_units").fill(conn)
            again = dict(conn.execute(text(
                "SELECT code, task_units FROM dossiers WHERE code IN (:a, :b)"),
                {"a": code, "b": other}).all())
        assert again == stored


def _migration(name: str) -> Any:
    path = Path(__file__).resolve().parents[2] / "alembic" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
