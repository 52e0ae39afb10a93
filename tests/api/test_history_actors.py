"""Every event of a dossier's history names its actor as they were then: id, name, role, the
unit and position acted in; timers and clock crossings name the system. The history reads a
page at a time."""
from __future__ import annotations

from datetime import timedelta

from engine.clock import ManualClock
from engine.services.flow.dossiers import wake
from tests.api.helpers import assert_problem, complete, dossier, history, started, step
from tests.api.test_principal_admin import principal_id
from tests.conftest import World


def _deploy_with_procedure(w: World) -> None:
    from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS

    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    r = w.client.put("/api/v1/procedures/two", headers=w.headers("designer"), json={
        "name": "Hai bước", "process_key": "two_steps", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]})
    assert r.status_code == 201, r.get_json()


def test_events_name_their_actor_as_they_were(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy_with_procedure(w)
    w.principal("Trần Thị Ngọc Ánh", "officer", unit=w.unit, position="reception")
    code = started(w)["code"]
    task = step(dossier(w, code), "receive")["task_id"]
    assert complete(w, task, {"copies": 1}, who="Trần Thị Ngọc Ánh").status_code == 200
    received_at = history(w, code)

    # The officer is renamed and moved to no unit; the client renamed too.
    officer = next(e["actor_id"] for e in received_at if e["kind"] == "task.completed")
    r = w.client.patch(f"/api/v1/principals/{officer}", headers=w.headers("admin"),
                       json={"name": "Someone Else", "unit": None, "position": None})
    assert r.status_code == 200, r.get_json()
    client = principal_id(w, "client")
    r = w.client.patch(f"/api/v1/principals/{client}",
                       headers=w.headers("admin"), json={"name": "Cổng khác"})
    assert r.status_code == 200, r.get_json()
    clock.advance(timedelta(days=30))
    with w.ctx.uow(readonly=True) as uow:
        found = uow.repo.dossier(w.province, code)
        assert found is not None
        dossier_id = found.id
    assert wake(w.ctx, dossier_id)

    events = history(w, code)
    assert events[:len(received_at)] == received_at  # nothing earlier changed
    by_kind = {e["kind"]: e for e in events}
    assert by_kind["dossier.received"]["actor"] == {
        "id": client, "name": "client", "role": "client", "unit": w.unit,
        "position": None}
    done = by_kind["task.completed"]
    assert done["actor"] == {"id": officer, "name": "Trần Thị Ngọc Ánh", "role": "officer",
                             "unit": w.unit, "position": "reception"}
    assert done["payload"]["actor"] == done["actor"]  # sealed by the chain
    # What the completion set going names the officer too; the late crossing, the system.
    assert by_kind["step.completed"]["actor"]["name"] == "Trần Thị Ngọc Ánh"
    assert by_kind["timeliness.overdue"]["actor"] == {
        "id": None, "name": None, "role": "system", "unit": None, "position": None}
    r = w.client.get(f"/api/v1/dossiers/{code}/history/verify", headers=w.headers("auditor"))
    assert r.get_json()["intact"] is True
    sheet = w.client.get(f"/api/v1/dossiers/{code}/control-sheet",
                         headers=w.headers("auditor")).get_json()
    assert [s["done_by"] for s in sheet["steps"] if s["name"] == "Receive"] == [
        "Trần Thị Ngọc Ánh"]


def test_history_pages(two_steps: World) -> None:
    w = two_steps
    code = started(w)["code"]
    complete(w, step(dossier(w, code), "receive")["task_id"], {"copies": 1})
    every = history(w, code)
    assert len(every) >= 4 and [e["seq"] for e in every] == list(range(1, len(every) + 1))

    def page(query: str) -> dict:  # type: ignore[type-arg]
        r = w.client.get(f"/api/v1/dossiers/{code}/history?{query}",
                         headers=w.headers("auditor"))
        assert r.status_code == 200, r.get_json()
        return r.get_json()  # type: ignore[no-any-return]

    first = page("limit=2")
    assert first["total"] == len(every) and first["next_after_seq"] == 2
    assert [e["seq"] for e in first["items"]] == [1, 2]
    second = page("limit=2&after_seq=2")
    assert [e["seq"] for e in second["items"]] == [3, 4]
    last = page(f"after_seq={len(every) - 1}")
    assert [e["seq"] for e in last["items"]] == [len(every)] and last["next_after_seq"] is None
    beyond = page(f"after_seq={len(every) + 5}")
    assert beyond == {"code": code, "total": len(every), "items": [], "next_after_seq": None}
    assert page("")["next_after_seq"] is None and len(page("")["items"]) == len(every)
    for bad, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"),
                       ("after_seq=-1", "after_seq"), ("page=2", "page")):
        r = w.client.get(f"/api/v1/dossiers/{code}/history?{bad}", headers=w.headers("auditor"))
        assert r.status_code == 422, bad
        assert field in r.get_data(as_text=True), (bad, r.get_json())
    assert_problem(w.client.get("/api/v1/dossiers/NOPE-1/history?limit=5",
                                headers=w.headers("auditor")), 404, "not-found")


def test_an_officer_acts_at_the_unit_and_position_of_the_work(two_steps: World) -> None:
    w = two_steps
    w.principal("Hoàng Thị Thu", "officer", unit=w.unit, position="reception")
    r = w.client.post("/api/v1/dossiers", headers=w.headers("Hoàng Thị Thu"), json={
        "process_key": "two_steps", "applicant": {"name": "Vũ Văn Bình"}, "data": {}})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    task = step(r.get_json(), "receive")["task_id"]
    assert w.client.post(f"/api/v1/tasks/{task}/claim",
                         headers=w.headers("Hoàng Thị Thu")).status_code == 200
    actors = {e["kind"]: e["actor"] for e in history(w, code)}
    me = {"id": actors["dossier.received"]["id"], "name": "Hoàng Thị Thu", "role": "officer",
          "unit": w.unit, "position": "reception"}
    assert actors["dossier.received"] == me and actors["task.claimed"] == me
