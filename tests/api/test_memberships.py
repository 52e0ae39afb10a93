"""An officer may hold further (unit, position) memberships: a department's specialist
seconded to the centre's reception desk works the desk's tasks too, and no more."""
from __future__ import annotations

from typing import Any

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, history
from tests.conftest import World, make_world


def principal_id(world: World, name: str) -> int:
    page = world.client.get(f"/api/v1/principals?q={name}", headers=world.headers("admin"))
    return int(next(p["id"] for p in page.get_json()["items"] if p["name"] == name))


def seconded(world: World, memberships: list[dict[str, str]]) -> Any:
    return world.client.patch(f"/api/v1/principals/{principal_id(world, 'seconded')}",
                              headers=world.headers("admin"), json={"memberships": memberships})


def test_a_seconded_officer_works_the_desk_of_both_units(world: World) -> None:
    department = world.unit + "D"
    world.register_unit(department)
    world.principal("seconded", "officer", unit=department, position="specialist")
    assert world.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = world.client.post("/api/v1/dossiers", headers=world.headers("client"), json={
        "process_key": "two_steps", "applicant": {"name": "Trần Văn Bình"}, "data": {}})
    code, task = r.get_json()["code"], r.get_json()["current_steps"][0]["task_id"]
    me = world.headers("seconded")

    def can_see() -> tuple[int, int, list[str], bool]:
        return (world.client.get(f"/api/v1/dossiers/{code}", headers=me).status_code,
                world.client.get(f"/api/v1/tasks/{task}", headers=me).status_code,
                [t["id"] for t in world.client.get("/api/v1/tasks", headers=me).get_json()["items"]],
                code in str(world.client.get("/api/v1/dossiers", headers=me).get_json()))

    assert can_see() == (404, 404, [], False)
    r = seconded(world, [{"unit": world.unit, "position": "reception"}])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["memberships"] == [{"unit": world.unit, "position": "reception"}]
    assert can_see() == (200, 200, [task], True)
    # Receiving at the desk's unit is now theirs too, and at no other unit.
    r = world.client.post("/api/v1/dossiers", headers=me, json={
        "process_key": "two_steps", "unit": world.unit, "applicant": {"name": "Lê C"},
        "data": {}})
    assert r.status_code == 201, r.get_json()
    r = world.client.post("/api/v1/dossiers", headers=me, json={
        "process_key": "two_steps", "unit": world.unit + "Z", "applicant": {"name": "Lê C"},
        "data": {}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "unit"
    done = world.client.post(f"/api/v1/tasks/{task}/complete", headers=me,
                             json={"data": {"copies": 1}})
    assert done.status_code == 200, done.get_json()
    completed = [e for e in history(world, code) if e["kind"] == "task.completed"]
    assert completed[-1]["payload"]["position"] == "reception"
    # The next step is the specialist's of the desk's unit: the membership is reception only.
    following = done.get_json()["current_steps"][0]["task_id"]
    assert world.client.get(f"/api/v1/tasks/{following}", headers=me).status_code == 404
    assert seconded(world, []).status_code == 200
    assert world.client.get(f"/api/v1/dossiers/{code}", headers=me).status_code == 404


def test_memberships_are_checked(db_url: str, world: World) -> None:
    world.principal("seconded", "officer", unit=world.unit, position="specialist")
    world.register_unit(world.unit + "D")
    r = seconded(world, [{"unit": world.unit + "D", "position": ""}])
    assert r.status_code == 422
    assert [e["field"] for e in r.get_json()["errors"]] == ["/memberships/0/position"]
    other = make_world(db_url)
    try:
        r = seconded(world, [{"unit": world.unit + "D", "position": "reception"},
                             {"unit": other.unit, "position": "reception"}])
        assert r.status_code == 422
        assert [e["field"] for e in r.get_json()["errors"]] == ["memberships/1/unit"]
    finally:
        other.ctx.db_engine.dispose()
    client = principal_id(world, "client")
    r = world.client.patch(f"/api/v1/principals/{client}", headers=world.headers("admin"),
                           json={"memberships": [{"unit": world.unit, "position": "reception"}]})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "memberships"
    r = seconded(world, [{"unit": world.unit, "position": f"p{i}"} for i in range(21)])
    assert r.status_code == 422
