"""Positions as data: the platform's and a province's own; an officer's position, and each
membership's, must be one of them."""
from __future__ import annotations

from tests.api.helpers import official
from tests.conftest import World


def positions(world: World, who: str = "officer") -> dict[str, bool]:
    r = world.client.get("/api/v1/positions", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    return {p["code"]: p["platform"] for p in r.get_json()}


def make(world: World, **body: object) -> object:
    return world.client.post("/api/v1/principals", headers=world.headers("admin"),
                             json={"name": "Cán bộ", "role": "officer", "unit": world.unit,
                                   **body})


def test_the_platform_positions_and_a_provinces_own(world: World) -> None:
    known = positions(world)
    assert {"reception", "specialist", "head_of_department", "leader", "clerk"} <= set(known)
    assert all(known.values())
    r = make(world, position="land_registrar")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "position"
    r = world.client.put("/api/v1/positions/land_registrar", headers=world.headers("admin"),
                         json={"name": "Công chức địa chính"})
    assert r.status_code == 201 and r.get_json()["platform"] is False
    assert positions(world)["land_registrar"] is False
    assert make(world, position="land_registrar").status_code == 201
    # A province's own name for a platform position shadows it, for that province only.
    r = world.client.put("/api/v1/positions/clerk", headers=world.headers("admin"),
                         json={"name": "Văn thư xã"})
    assert r.status_code == 201 and positions(world)["clerk"] is False


def test_memberships_name_known_positions(world: World) -> None:
    pid = make(world, position="reception").get_json()["id"]  # type: ignore[attr-defined]
    other = official()
    world.register_unit(other)
    r = world.client.patch(f"/api/v1/principals/{pid}", headers=world.headers("admin"),
                           json={"memberships": [{"unit": other, "position": "wizard"}]})
    assert r.status_code == 422
    assert [e["field"] for e in r.get_json()["errors"]] == ["memberships/0/position"]
    r = world.client.patch(f"/api/v1/principals/{pid}", headers=world.headers("admin"),
                           json={"memberships": [{"unit": other, "position": "specialist"}]})
    assert r.status_code == 200, r.get_json()


def test_only_admins_keep_positions_and_codes_are_checked(world: World) -> None:
    for who in ("designer", "officer", "client", "auditor"):
        r = world.client.put("/api/v1/positions/x", headers=world.headers(who),
                             json={"name": "x"})
        assert r.status_code == 403, who
    r = world.client.put("/api/v1/positions/bad code!", headers=world.headers("admin"),
                         json={"name": "x"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "code"
