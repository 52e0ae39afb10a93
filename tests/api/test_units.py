"""The unit registry: administrators register units with official codes, names, kinds and
parents; everyone of the province reads them; nothing crosses provinces."""
from __future__ import annotations

from typing import Any

from tests.api.helpers import official
from tests.conftest import World, make_world


def register(world: World, who: str = "admin", **body: Any) -> Any:
    return world.client.post("/api/v1/units", headers=world.headers(who), json=body)


def fields_of(r: Any) -> set[str]:
    return {e["field"] for e in r.get_json().get("errors", [])}


def test_admin_registers_a_tree_of_units_that_everyone_reads(world: World) -> None:
    centre, department = official(), official()
    r = register(world, code=centre, name="Trung tâm Phục vụ hành chính công tỉnh",
                 kind="provincial_centre")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["level"] == "province" and r.get_json()["registered"] is True
    r = register(world, code=department, name="Sở Tư pháp", kind="department", parent=centre)
    assert r.status_code == 201, r.get_json()
    for who in ("designer", "client", "officer", "auditor", "admin"):
        got = world.client.get(f"/api/v1/units/{department}", headers=world.headers(who))
        assert got.status_code == 200, (who, got.get_json())
        assert got.get_json()["parent"] == centre and got.get_json()["name"] == "Sở Tư pháp"
    page = world.client.get(f"/api/v1/units?parent={centre}", headers=world.headers("officer"))
    assert [u["code"] for u in page.get_json()["items"]] == [department]
    page = world.client.get("/api/v1/units?q=tư pháp", headers=world.headers("admin"))
    assert page.get_json()["total"] == 1
    page = world.client.get("/api/v1/units?registered=false", headers=world.headers("admin"))
    assert page.get_json()["items"] == []
    legacy = known_before_the_registry(world)
    page = world.client.get("/api/v1/units?registered=false", headers=world.headers("admin"))
    assert [u["code"] for u in page.get_json()["items"]] == [legacy]


def known_before_the_registry(world: World) -> str:
    """A unit that principals or dossiers named before units were registered (the migration
    to the registry keeps such units, unregistered)."""
    from engine.store.models import Unit

    code = official()
    with world.ctx.uow() as uow:
        uow.repo.add(Unit(code=code, province=world.province, created_at=world.ctx.clock.now()))
        uow.commit()
    return code


def test_a_unit_is_checked_before_it_is_stored(world: World) -> None:
    code = official()
    r = register(world, code="Sở Tư pháp", name="x", kind="department")
    assert r.status_code == 422 and fields_of(r) == {"code"}
    r = register(world, code=code, name="x", kind="ministry_of_magic")
    assert r.status_code == 422 and fields_of(r) == {"kind"}
    r = register(world, code=code, name="x", kind="department", parent=official())
    assert r.status_code == 422 and fields_of(r) == {"parent"}
    r = register(world, code=code, name="   ", kind="department")
    assert r.status_code == 422 and fields_of(r) == {"name"}
    assert world.client.get(f"/api/v1/units/{code}",
                            headers=world.headers("admin")).status_code == 404
    assert register(world, code=code, name="Sở Y tế", kind="department").status_code == 201
    again = register(world, code=code, name="Sở Y tế", kind="department")
    assert again.status_code == 409 and again.get_json()["code"] == "unit-exists"


def test_no_unit_is_its_own_ancestor(world: World) -> None:
    top, middle, bottom = official(), official(), official()
    assert register(world, code=top, name="A", kind="provincial_committee").status_code == 201
    assert register(world, code=middle, name="B", kind="department",
                    parent=top).status_code == 201
    assert register(world, code=bottom, name="C", kind="department",
                    parent=middle).status_code == 201
    for parent in (bottom, top if False else top):
        r = world.client.patch(f"/api/v1/units/{top}", headers=world.headers("admin"),
                               json={"parent": bottom if parent == bottom else top})
        assert r.status_code == 422 and fields_of(r) == {"parent"}, r.get_json()
    r = world.client.patch(f"/api/v1/units/{bottom}", headers=world.headers("admin"),
                           json={"parent": None, "name": "C mới"})
    assert r.status_code == 200 and r.get_json()["parent"] is None
    assert r.get_json()["name"] == "C mới"


def test_a_unit_named_before_it_was_registered_is_registered_in_place(world: World) -> None:
    code = known_before_the_registry(world)
    officer = {"name": "Cán bộ", "role": "officer", "unit": code, "position": "reception"}
    made = world.client.post("/api/v1/principals", headers=world.headers("admin"), json=officer)
    assert made.status_code == 422 and fields_of(made) == {"unit"}
    listed = world.client.get(f"/api/v1/units/{code}", headers=world.headers("admin"))
    assert listed.get_json()["registered"] is False
    r = world.client.patch(f"/api/v1/units/{code}", headers=world.headers("admin"),
                           json={"name": "x"})
    assert r.status_code == 422 and fields_of(r) == {"code"}
    r = register(world, code=code, name="UBND xã Tân Hội", kind="commune_committee")
    assert r.status_code == 200 and r.get_json()["registered"] is True
    made = world.client.post("/api/v1/principals", headers=world.headers("admin"), json=officer)
    assert made.status_code == 201, made.get_json()


def test_only_admins_change_units(world: World) -> None:
    for who in ("designer", "client", "officer", "auditor"):
        r = register(world, who, code=official(), name="x", kind="department")
        assert r.status_code == 403, who
        r = world.client.put("/api/v1/unit-kinds/hamlet", headers=world.headers(who),
                             json={"name": "Thôn", "level": "commune"})
        assert r.status_code == 403, who


def test_unknown_filters_are_refused(world: World) -> None:
    r = world.client.get("/api/v1/units?colour=red", headers=world.headers("admin"))
    assert r.status_code == 422 and "colour" in str(r.get_json())


def test_kinds_are_data_of_the_platform_and_of_each_province(db_url: str,
                                                              world: World) -> None:
    kinds = world.client.get("/api/v1/unit-kinds", headers=world.headers("officer")).get_json()
    assert {"provincial_centre", "commune_committee", "district_committee"} <= {
        k["code"] for k in kinds}
    r = world.client.put("/api/v1/unit-kinds/ward_office", headers=world.headers("admin"),
                         json={"name": "Văn phòng phường", "level": "commune"})
    assert r.status_code == 201 and r.get_json()["platform"] is False
    r = world.client.put("/api/v1/unit-kinds/Ward Office", headers=world.headers("admin"),
                         json={"name": "x", "level": "commune"})
    assert r.status_code == 422 and fields_of(r) == {"code"}
    code = official()
    assert register(world, code=code, name="VP phường", kind="ward_office").status_code == 201
    other = make_world(db_url)
    try:
        theirs = {k["code"] for k in other.client.get(
            "/api/v1/unit-kinds", headers=other.headers("admin")).get_json()}
        assert "ward_office" not in theirs
        r = register(other, code=official(), name="x", kind="ward_office")
        assert r.status_code == 422 and fields_of(r) == {"kind"}
    finally:
        other.ctx.db_engine.dispose()


def test_another_province_neither_sees_nor_takes_a_unit(db_url: str, world: World) -> None:
    code = official()
    assert register(world, code=code, name="Sở Xây dựng", kind="department").status_code == 201
    other = make_world(db_url)
    try:
        assert other.client.get(f"/api/v1/units/{code}",
                                headers=other.headers("admin")).status_code == 404
        r = other.client.patch(f"/api/v1/units/{code}", headers=other.headers("admin"),
                               json={"name": "taken"})
        assert r.status_code == 404
        r = register(other, code=code, name="taken", kind="department")
        assert r.status_code == 422 and fields_of(r) == {"code"}
        assert world.province not in r.get_data(as_text=True)
        listed = other.client.get("/api/v1/units?limit=500", headers=other.headers("admin"))
        assert code not in [u["code"] for u in listed.get_json()["items"]]
        r = register(other, code=official(), name="x", kind="department", parent=code)
        assert r.status_code == 422 and fields_of(r) == {"parent"}
    finally:
        other.ctx.db_engine.dispose()
