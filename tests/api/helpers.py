"""Helpers shared by the API tests: uploads, intake, task completion, problem checks."""
from __future__ import annotations

import io
import random
import string
from pathlib import Path
from typing import Any

UNIT_DATA = Path(__file__).resolve().parents[1] / "unit" / "data"
API_DATA = Path(__file__).resolve().parent / "data"
TWO_STEPS = UNIT_DATA / "two_steps.bpmn"
TWO_STEPS_FORMS = [UNIT_DATA / "receive.json", UNIT_DATA / "appraise.json"]


def post_bpmn(world: Any, xml: bytes, forms: dict[str, bytes] | None = None, *,
              who: str = "designer", path: str = "/api/v1/process-definitions",
              filename: str = "diagram.bpmn") -> Any:
    """Upload `xml` (and `forms`, name -> bytes) as a multipart deployment."""
    data: dict[str, Any] = {"bpmn": (io.BytesIO(xml), filename),
                            "forms": [(io.BytesIO(b), n) for n, b in (forms or {}).items()]}
    return world.client.post(path, data=data, headers=world.headers(who),
                             content_type="multipart/form-data")


def two_steps_forms() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in TWO_STEPS_FORMS}


def intake(world: Any, process_key: str = "two_steps", *, who: str = "client",
           data: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
           **extra: Any) -> Any:
    body = {"process_key": process_key, "applicant": {"name": "Nguyễn Văn A"},
            "data": data or {}, **extra}
    return world.client.post("/api/v1/dossiers", json=body,
                             headers={**world.headers(who), **(headers or {})})


def started(world: Any, **kw: Any) -> dict[str, Any]:
    """An intake that must succeed: the new dossier as the API returns it."""
    r = intake(world, **kw)
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def dossier(world: Any, code: str, who: str = "auditor") -> dict[str, Any]:
    r = world.client.get(f"/api/v1/dossiers/{code}", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def history(world: Any, code: str, who: str = "auditor") -> list[dict[str, Any]]:
    """The dossier's history events, as the API lists them (every page)."""
    events: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        r = world.client.get(f"/api/v1/dossiers/{code}/history?after_seq={after}",
                             headers=world.headers(who))
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["code"] == code
        events += r.get_json()["items"]
        after = r.get_json()["next_after_seq"]
    return events


def step(d: dict[str, Any], element_id: str) -> dict[str, Any]:
    found = [s for s in d["current_steps"] if s["element_id"] == element_id]
    assert len(found) == 1, d["current_steps"]
    return found[0]


def complete(world: Any, task_id: str, data: dict[str, Any], who: str = "officer") -> Any:
    """Complete a task; `who="officer"`: an officer of the task's unit and position."""
    if who == "officer":
        who = officer_for(world, task_id)
    return world.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data},
                             headers=world.headers(who))


def assert_problem(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == code, body
    return body


def officer_for(world: Any, task_id: str) -> str:
    """The name of an officer of the task's unit holding its position (made on first use)."""
    r = world.client.get(f"/api/v1/tasks/{task_id}", headers=world.headers("auditor"))
    if r.status_code != 200:
        return "officer"  # no such task: the plain officer gets the answer
    task = r.get_json()
    position = task["position"] or "officer"
    name = f"officer:{task['unit']}:{position}"
    if name not in world.tokens:
        world.principal(name, "officer", unit=task["unit"], position=position)
    return name


def official() -> str:
    """A fresh official-looking unit code (letters too: the test database outlives runs)."""
    pick = random.SystemRandom().choices
    chars = string.digits + string.ascii_uppercase
    groups = ["".join(pick(chars, k=n)) for n in (3, 2, 2, 2)]
    return ".".join(groups[:3]) + ".H" + groups[3]
