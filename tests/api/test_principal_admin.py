"""Administrators list, change, disable, rotate and revoke the principals of their province;
auditors read them; tokens are never shown again after they are made."""
from __future__ import annotations

from typing import Any

from api.app import create_app
from engine.settings import Settings
from tests.api.helpers import assert_problem
from tests.conftest import World, make_world


def principal_id(world: World, name: str) -> int:
    page = world.client.get(f"/api/v1/principals?q={name}", headers=world.headers("admin"))
    [found] = [p for p in page.get_json()["items"] if p["name"] == name]
    return int(found["id"])


def tasks_as(world: World, token: str) -> Any:
    return world.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})


def test_the_province_s_principals_are_listed_without_their_tokens(world: World) -> None:
    for who in ("admin", "auditor"):
        r = world.client.get("/api/v1/principals", headers=world.headers(who))
        assert r.status_code == 200
        body = r.get_json()
        assert body["total"] == 5 and {p["role"] for p in body["items"]} == {
            "designer", "client", "officer", "auditor", "admin"}
        text = r.get_data(as_text=True)
        assert not any(token in text for token in world.tokens.values())
        assert "token_hash" not in text
    r = world.client.get("/api/v1/principals?role=officer", headers=world.headers("admin"))
    assert [p["name"] for p in r.get_json()["items"]] == ["officer"]
    r = world.client.get("/api/v1/principals?role=wizard", headers=world.headers("admin"))
    assert r.status_code == 422
    for who in ("designer", "client", "officer"):
        assert world.client.get("/api/v1/principals",
                                headers=world.headers(who)).status_code == 403


def test_a_disabled_principal_is_refused_until_enabled(world: World) -> None:
    officer = principal_id(world, "officer")
    assert tasks_as(world, world.tokens["officer"]).status_code == 200
    r = world.client.patch(f"/api/v1/principals/{officer}", headers=world.headers("admin"),
                           json={"disabled": True})
    assert r.status_code == 200 and r.get_json()["disabled"] is True
    refused = tasks_as(world, world.tokens["officer"])
    assert refused.status_code == 401 and "disabled" in refused.get_json()["detail"]
    world.client.patch(f"/api/v1/principals/{officer}", headers=world.headers("admin"),
                       json={"disabled": False})
    assert tasks_as(world, world.tokens["officer"]).status_code == 200
    listed = world.client.get("/api/v1/principals?disabled=true", headers=world.headers("admin"))
    assert listed.get_json()["total"] == 0


def test_rotating_gives_a_new_token_and_ends_the_old(world: World) -> None:
    officer = principal_id(world, "officer")
    old = world.tokens["officer"]
    r = world.client.post(f"/api/v1/principals/{officer}/token", headers=world.headers("admin"))
    assert r.status_code == 201
    new = r.get_json()["token"]
    assert new != old
    assert tasks_as(world, old).status_code == 401
    assert tasks_as(world, new).status_code == 200
    r = world.client.delete(f"/api/v1/principals/{officer}/token",
                            headers=world.headers("admin"))
    assert r.status_code == 204
    assert tasks_as(world, new).status_code == 401
    got = world.client.get(f"/api/v1/principals/{officer}", headers=world.headers("auditor"))
    assert got.get_json()["token_revoked"] is True


def test_a_change_reaches_other_processes_within_the_token_cache_time(db_url: str,
                                                                     world: World) -> None:
    """Another API process (another app on the same database) trusts the token it looked up
    until its cache entry expires (auth.CALLER_TTL); then it asks the database again."""
    other = create_app(Settings(database_url=db_url)).test_client()
    other_ctx = other.application.extensions["motcua"]
    token = world.tokens["officer"]
    headers = {"Authorization": f"Bearer {token}"}
    assert other.get("/api/v1/tasks", headers=headers).status_code == 200
    world.client.delete(f"/api/v1/principals/{principal_id(world, 'officer')}/token",
                        headers=world.headers("admin"))
    assert other.get("/api/v1/tasks", headers=headers).status_code == 200  # still cached
    for digest, (caller, _) in list(other_ctx.callers.items()):
        other_ctx.callers[digest] = (caller, 0.0)  # the cache time has passed
    assert other.get("/api/v1/tasks", headers=headers).status_code == 401
    other_ctx.db_engine.dispose()


def test_changes_are_checked(db_url: str, world: World) -> None:
    admin = principal_id(world, "admin")
    r = world.client.patch(f"/api/v1/principals/{admin}", headers=world.headers("admin"),
                           json={"disabled": True})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "disabled"
    r = world.client.delete(f"/api/v1/principals/{admin}/token", headers=world.headers("admin"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "principal_id"
    r = world.client.patch(f"/api/v1/principals/{admin}", headers=world.headers("admin"),
                           json={"role": "auditor"})
    assert r.status_code == 422 and "role" in str(r.get_json())
    other = make_world(db_url)
    try:
        r = world.client.patch(f"/api/v1/principals/{principal_id(world, 'officer')}",
                               headers=world.headers("admin"), json={"unit": other.unit})
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "unit"
        mine = principal_id(world, "officer")
        for method in ("GET", "PATCH"):
            r = other.client.open(f"/api/v1/principals/{mine}", method=method,
                                  headers=other.headers("admin"), json={"name": "taken"})
            assert r.status_code == 404, method
        r = other.client.post(f"/api/v1/principals/{mine}/token", headers=other.headers("admin"))
        assert r.status_code == 404
        for number in (0, 2**31, 10**30):
            r = world.client.get(f"/api/v1/principals/{number}", headers=world.headers("admin"))
            assert r.status_code == 404, number
        assert tasks_as(world, world.tokens["officer"]).status_code == 200
    finally:
        other.ctx.db_engine.dispose()


def test_an_officer_moved_to_another_unit_works_there(world: World) -> None:
    officer = principal_id(world, "officer")
    r = world.client.patch(f"/api/v1/principals/{officer}", headers=world.headers("admin"),
                           json={"unit": world.unit + "X", "position": "specialist"})
    assert_problem(r, 422, "invalid-input")  # not registered yet
    world.register_unit(world.unit + "X")
    r = world.client.patch(f"/api/v1/principals/{officer}", headers=world.headers("admin"),
                           json={"unit": world.unit + "X", "position": "specialist"})
    assert r.status_code == 200
    assert (r.get_json()["unit"], r.get_json()["position"]) == (world.unit + "X", "specialist")
    r = world.client.patch(f"/api/v1/principals/{officer}", headers=world.headers("admin"),
                           json={"position": None})
    assert r.status_code == 200
    refused = tasks_as(world, world.tokens["officer"])
    assert refused.status_code == 403  # an officer without a position does nothing


def test_a_token_works_until_it_expires(db_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from engine.clock import ManualClock

    clock = ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    world = make_world(db_url, clock=clock)
    try:
        r = world.client.post("/api/v1/principals", headers=world.headers("admin"), json={
            "name": "Bưu điện tỉnh", "role": "client", "unit": world.unit,
            "expires_at": "2026-03-09T08:00:00+07:00"})
        assert r.status_code == 201, r.get_json()
        token, made = r.get_json()["token"], r.get_json()["id"]
        headers = {"Authorization": f"Bearer {token}"}
        assert world.client.get("/api/v1/dossiers", headers=headers).status_code == 200
        clock.advance(timedelta(days=7, hours=1))
        world.ctx.callers.clear()  # as after the cache time
        refused = world.client.get("/api/v1/dossiers", headers=headers)
        assert refused.status_code == 401 and "expired" in refused.get_json()["detail"]
        r = world.client.post(f"/api/v1/principals/{made}/token", headers=world.headers("admin"),
                              json={"expires_at": "2026-03-01T00:00:00+07:00"})
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "expires_at"
        r = world.client.post(f"/api/v1/principals/{made}/token", headers=world.headers("admin"),
                              json={"expires_at": "2026-06-01T00:00:00+07:00"})
        assert r.status_code == 201 and r.get_json()["token_expires_at"].startswith("2026-05-31")
        fresh = {"Authorization": f"Bearer {r.get_json()['token']}"}
        assert world.client.get("/api/v1/dossiers", headers=fresh).status_code == 200
        r = world.client.post("/api/v1/principals", headers=world.headers("admin"), json={
            "name": "x", "role": "client", "expires_at": "2026-03-09T08:00:00"})
        assert r.status_code == 422
    finally:
        world.ctx.db_engine.dispose()


def test_names_are_found_whatever_the_case_and_the_diacritics(world: World) -> None:
    world.principal("Cán bộ tiếp nhận Trung tâm tỉnh", "officer")
    world.principal("Nguyễn Thị Đào", "officer")
    world.principal("Công ty 100% vốn", "client")

    def names(q: str, **more: str) -> list[str]:
        r = world.client.get("/api/v1/principals", query_string={"q": q, **more},
                             headers=world.headers("admin"))
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["total"] == len(body["items"]), body
        return [p["name"] for p in body["items"]]

    assert names("tiep nhan") == ["Cán bộ tiếp nhận Trung tâm tỉnh"]
    assert names("TIẾP NHẬN") == ["Cán bộ tiếp nhận Trung tâm tỉnh"]
    assert names("dao") == ["Nguyễn Thị Đào"]
    assert names("dao", role="client") == []
    assert names("100%") == ["Công ty 100% vốn"]
    assert names("%") == ["Công ty 100% vốn"]  # a character, not a wildcard
    assert names("_") == []
    paged = world.client.get("/api/v1/principals", query_string={"q": "ng", "limit": 1,
                                                                 "offset": 1},
                             headers=world.headers("admin")).get_json()
    assert paged["total"] == 3 and [p["name"] for p in paged["items"]] == ["Nguyễn Thị Đào"]
