"""Tenancy and access inside a province: units belong to one province, clients act on their
own dossiers, messages and apologies need the dossier's unit, calendars never 500 an intake."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from engine.services.org.auth import create_principal
from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    dossier,
    intake,
    post_bpmn,
    started,
    two_steps_forms,
)


@pytest.fixture
def two_steps(world: Any) -> Any:
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    return world


def _other_province(world: Any, unit: str) -> str:
    """A client and a designer of another province whose unit is `unit`; it deploys
    two_steps too. Returns the province."""
    other = world.province + "Q"
    world.register_unit(unit, province=other)
    for name, role in (("q_client", "client"), ("q_designer", "designer")):
        _, token = create_principal(world.ctx, name=name, role=role, province=other,
                                    unit=unit if role == "client" else None)
        world.tokens[name] = token
    r = post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms(), who="q_designer")
    assert r.status_code == 201
    return other


def test_a_unit_belongs_to_one_province(two_steps: Any) -> None:
    world = two_steps
    started(world)  # world.unit is this province's
    _other_province(world, world.unit + "Q")
    before = started(world)["code"]

    body = assert_problem(intake(world, who="q_client", unit=world.unit), 422, "invalid-input")
    assert body["errors"] == [{"field": "unit",
                               "message": "not a registered unit of your province"}]
    assert world.province not in str(body)
    # The refused intake took no number of the unit's day: the next one follows on.
    after = started(world)["code"]
    assert int(after[-4:]) == int(before[-4:]) + 1

    with pytest.raises(Exception, match="not a registered unit of your province"):
        create_principal(world.ctx, name="x", role="officer", province=world.province + "Q",
                         unit=world.unit, position="reception")


def test_only_a_registered_unit_receives_dossiers(two_steps: Any) -> None:
    world = two_steps
    fresh = world.unit + "N"
    _other_province(world, world.unit + "Q")
    before = started(world)["code"]
    for who in ("client", "q_client"):
        body = assert_problem(intake(world, who=who, unit=fresh), 422, "invalid-input")
        assert body["errors"] == [{"field": "unit",
                                   "message": "not a registered unit of your province"}]
    # Nothing was recorded, no number taken: the unit is still unknown, the day runs on.
    assert world.client.get(f"/api/v1/units/{fresh}",
                            headers=world.headers("client")).status_code == 404
    assert int(started(world)["code"][-4:]) == int(before[-4:]) + 1
    world.register_unit(fresh)
    assert started(world, unit=fresh)["unit"] == fresh


def test_an_officer_receives_only_at_their_own_unit(two_steps: Any) -> None:
    world = two_steps
    world.principal("desk", "officer", unit=world.unit, position="reception")
    assert started(world, who="desk", channel="desk")["unit"] == world.unit
    body = assert_problem(intake(world, who="desk", unit=world.unit + "X"), 422,
                          "invalid-input")
    assert body["errors"][0]["field"] == "unit"


def test_clients_see_and_move_only_their_own_dossiers(two_steps: Any) -> None:
    world = two_steps
    world.principal("portal2", "client", unit=world.unit)
    code = started(world)["code"]
    h = world.headers("portal2")
    assert_problem(world.client.get(f"/api/v1/dossiers/{code}", headers=h), 404, "not-found")
    assert_problem(world.client.get(f"/api/v1/dossiers/{code}/history", headers=h), 404,
                   "not-found")
    r = world.client.post(f"/api/v1/dossiers/{code}/messages/paid", json={"payload": {}},
                          headers=h)
    assert_problem(r, 404, "not-found")
    assert world.client.get("/api/v1/dossiers", headers=h).get_json()["total"] == 0
    assert world.client.get("/api/v1/dossiers", headers=world.headers("client")
                            ).get_json()["total"] == 1


def _late(world: Any, positions: list[str] | None = None) -> str:
    """A dossier with a statutory due instant, received at world.unit."""
    body = {"name": "Thủ tục", "process_key": "two_steps", "rules": [{
        "effective_from": "2025-07-01", "calendar": "vn",
        "limits": {"default": {"value": 3, "unit": "working_days"}}}]}
    if positions is not None:
        body["apology_positions"] = positions
    r = world.client.put("/api/v1/procedures/p1", json=body, headers=world.headers("designer"))
    assert r.status_code in (200, 201), r.get_json()
    return str(started(world)["code"])


APOLOGY = {"reason": "Chưa đủ thời gian thẩm định", "new_appointment": "2030-01-07T08:00:00+07:00"}


def test_apologies_need_the_dossiers_unit_and_an_allowed_position(two_steps: Any) -> None:
    world = two_steps
    code = _late(world, positions=["leader"])
    world.register_unit(world.unit + "X")
    world.principal("elsewhere", "officer", unit=world.unit + "X", position="leader")
    world.principal("specialist", "officer", unit=world.unit, position="specialist")
    world.principal("leader", "officer", unit=world.unit, position="leader")

    def apologise(who: str) -> Any:
        return world.client.post(f"/api/v1/dossiers/{code}/apology", json=APOLOGY,
                                 headers=world.headers(who))

    assert_problem(apologise("elsewhere"), 404, "not-found")
    body = assert_problem(apologise("specialist"), 403, "forbidden")
    assert "leader" in body["detail"]
    for who in ("client", "designer", "auditor", "admin"):
        assert_problem(apologise(who), 403, "forbidden")
    assert dossier(world, code)["apology_count"] == 0
    r = apologise("leader")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["apology_count"] == 1


def test_designers_and_admins_read_no_applicants_data(two_steps: Any) -> None:
    world = two_steps
    code = started(world)["code"]
    for who in ("designer", "admin"):
        h = world.headers(who)
        for path in (f"/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}/history",
                     "/api/v1/dossiers", "/api/v1/tasks"):
            assert_problem(world.client.get(path, headers=h), 403, "forbidden")


def test_a_calendar_without_working_time_never_500s_an_intake(two_steps: Any) -> None:
    """A national calendar with no working time (stored before the check existed, or by
    hand) makes intake a clear 422 naming the calendar; nothing is stored."""
    world = two_steps
    body = {"name": "Thủ tục", "process_key": "two_steps", "rules": [{
        "effective_from": "2025-07-01", "calendar": "vn",
        "limits": {"default": {"value": 3, "unit": "working_days"}}}]}
    assert world.client.put("/api/v1/procedures/p1", json=body,
                            headers=world.headers("designer")).status_code == 201
    closed = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data = {"id": "vn", "name": "Đóng", "parent": None, "timezone": "Asia/Ho_Chi_Minh",
            "weekly": closed, "use_national_holidays": True, "overrides": []}
    with world.ctx.db_engine.begin() as conn:
        conn.execute(text("DELETE FROM calendars WHERE province = '' AND id = 'vn'"))
        conn.execute(text("INSERT INTO calendars (province, id, data, updated_at) "
                          "VALUES ('', 'vn', :data, CURRENT_TIMESTAMP)"),
                     {"data": __import__("json").dumps(data)})
    world.ctx.calendars.clear()
    try:
        body = assert_problem(intake(world), 422, "calendar-unusable")
        assert body["errors"][0]["field"] == "calendar"
        assert world.client.get("/api/v1/dossiers", headers=world.headers("auditor")
                                ).get_json()["total"] == 0
    finally:
        with world.ctx.db_engine.begin() as conn:
            conn.execute(text("DELETE FROM calendars WHERE province = '' AND id = 'vn'"))
        world.ctx.calendars.clear()
        from engine.services.design import calendars

        calendars._RESOLVED.clear()
