"""Officers see the procedure's name from the province's catalogue, not the process key:
in the inbox, on a task, and in the answer to claiming, releasing and assigning it."""
from __future__ import annotations

from typing import Any

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS, dossier, officer_for, started, step
from tests.conftest import World

NAME = "Cấp giấy chứng nhận hai bước"


def _tasks(w: World, who: str) -> list[dict[str, Any]]:
    r = w.client.get("/api/v1/tasks", headers=w.headers(who))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["items"])


def test_tasks_name_their_procedure(world: World) -> None:
    w = world
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    unnamed = started(w)["code"]  # started before the procedure was registered
    r = w.client.put("/api/v1/procedures/two", headers=w.headers("designer"), json={
        "name": NAME, "process_key": "two_steps", "rules": [{
            "effective_from": "2025-07-01", "calendar": "vn",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]})
    assert r.status_code == 201, r.get_json()
    code = started(w)["code"]
    task_id = step(dossier(w, code), "receive")["task_id"]
    who = officer_for(w, task_id)

    by_code = {t["dossier_code"]: t for t in _tasks(w, who)}
    assert by_code[code]["procedure_name"] == NAME
    assert by_code[code]["process_key"] == "two_steps"  # kept, for filters and links
    assert by_code[unnamed]["procedure_name"] is None
    r = w.client.get(f"/api/v1/tasks/{task_id}", headers=w.headers(who))
    assert r.get_json()["procedure_name"] == NAME
    for verb in ("claim", "unclaim"):
        r = w.client.post(f"/api/v1/tasks/{task_id}/{verb}", headers=w.headers(who))
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["procedure_name"] == NAME
