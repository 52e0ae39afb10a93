"""Who works a task: officers claim and release tasks of their position, a head of
department or leader assigns those of the unit (phân công), only the holder completes a
held task, and every change of holder is in the dossier's hash-chained history."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from typing import Any

from engine.history import GENESIS, event_hash
from engine.services.org.auth import authenticate
from tests.api.helpers import assert_problem, complete, history, started
from tests.conftest import World, make_world


def _officers(world: World) -> dict[str, int]:
    """Officers of the unit (two at reception, a specialist, a head of department) and one
    of another unit; their principal ids by name."""
    from engine.services.org.auth import create_principal

    ids = {}
    world.register_unit(world.unit + "X")
    for name, unit, position in (("reception", world.unit, "reception"),
                                 ("reception2", world.unit, "reception"),
                                 ("specialist", world.unit, "specialist"),
                                 ("head", world.unit, "head_of_department"),
                                 ("elsewhere", world.unit + "X", "specialist")):
        made, token = create_principal(world.ctx, name=name, role="officer",
                                       province=world.province, unit=unit, position=position)
        world.tokens[name] = token
        ids[name] = made.id
    return ids


def _post(world: World, task_id: str, verb: str, who: str, body: Any = None) -> Any:
    return world.client.post(f"/api/v1/tasks/{task_id}/{verb}", json=body,
                             headers=world.headers(who))


def _inbox(world: World, who: str, query: str = "") -> dict[str, Any]:
    r = world.client.get(f"/api/v1/tasks{query}", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _holder_events(world: World, code: str) -> list[dict[str, Any]]:
    return [e for e in history(world, code)
            if e["kind"] in ("task.claimed", "task.released", "task.assigned")]


def _chain_verifies(world: World, code: str) -> None:
    prev = GENESIS
    for e in history(world, code):
        assert e["prev_hash"] == prev
        assert e["hash"] == event_hash(prev, e["seq"], datetime.fromisoformat(e["at"]),
                                       e["kind"], e["actor_id"], e["element_id"], e["task_id"],
                                       e["payload"])
        prev = e["hash"]


def test_a_claimed_task_is_completed_by_its_holder_only(two_steps: World) -> None:
    world = two_steps
    ids = _officers(world)
    d = started(world)
    task = d["current_steps"][0]["task_id"]

    r = _post(world, task, "claim", "reception")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["holder"] == {"id": ids["reception"], "name": "reception"}
    assert r.get_json()["held_since"] is not None
    assert _post(world, task, "claim", "reception").status_code == 200  # theirs already
    body = assert_problem(_post(world, task, "claim", "reception2"), 409, "task-held")
    assert "reception" in body["detail"]
    assert_problem(complete(world, task, {"copies": 1}, who="reception2"), 403, "task-held")
    # A specialist of the unit does not see a reception task at all.
    assert_problem(_post(world, task, "claim", "specialist"), 404, "not-found")
    got = world.client.get(f"/api/v1/tasks/{task}", headers=world.headers("reception2"))
    assert got.get_json()["holder"]["name"] == "reception"

    r = complete(world, task, {"copies": 1}, who="reception")
    assert r.status_code == 200, r.get_json()
    assert_problem(_post(world, task, "claim", "reception2"), 409, "task-already-completed")
    events = _holder_events(world, d["code"])
    assert [e["kind"] for e in events] == ["task.claimed"]
    assert events[0]["payload"]["to"] == {"id": ids["reception"], "name": "reception"}
    assert events[0]["payload"]["from"] is None
    assert events[0]["payload"]["unit"] == world.unit
    assert events[0]["actor_id"] == ids["reception"] and events[0]["task_id"] == task
    _chain_verifies(world, d["code"])


def test_the_holder_or_a_head_releases_a_task(two_steps: World) -> None:
    world = two_steps
    ids = _officers(world)
    d = started(world)
    task = d["current_steps"][0]["task_id"]
    assert _post(world, task, "claim", "reception").status_code == 200

    assert_problem(_post(world, task, "unclaim", "reception2"), 403, "task-held")
    r = _post(world, task, "unclaim", "reception")
    assert r.status_code == 200 and r.get_json()["holder"] is None, r.get_json()
    assert _post(world, task, "claim", "reception2").status_code == 200
    r = _post(world, task, "unclaim", "head")
    assert r.status_code == 200 and r.get_json()["holder"] is None, r.get_json()
    assert _post(world, task, "unclaim", "head").status_code == 200  # nothing held: no event

    events = _holder_events(world, d["code"])
    assert [e["kind"] for e in events] == ["task.claimed", "task.released", "task.claimed",
                                           "task.released"]
    released = events[-1]["payload"]
    assert released["from"] == {"id": ids["reception2"], "name": "reception2"}
    assert released["to"] is None
    assert released["by"] == {"id": ids["head"], "name": "head"}
    # Released, any officer of the position completes it.
    assert complete(world, task, {"copies": 2}, who="reception2").status_code == 200
    _chain_verifies(world, d["code"])


def test_a_head_assigns_a_task_within_the_unit(two_steps: World) -> None:
    world = two_steps
    ids = _officers(world)
    d = started(world)
    task = d["current_steps"][0]["task_id"]
    # The head sees the unit's reception task, but may not complete it unassigned.
    assert world.client.get(f"/api/v1/tasks/{task}", headers=world.headers("head")
                            ).status_code == 200
    assert_problem(complete(world, task, {"copies": 1}, who="head"), 403, "forbidden")
    assert_problem(_post(world, task, "claim", "head"), 403, "forbidden")

    r = _post(world, task, "assign", "head", {"principal_id": ids["specialist"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["holder"] == {"id": ids["specialist"], "name": "specialist"}
    # Assigned outside their position, the specialist now sees and works the task...
    assert world.client.get(f"/api/v1/tasks/{task}", headers=world.headers("specialist")
                            ).status_code == 200
    assert_problem(complete(world, task, {"copies": 1}, who="reception"), 403, "task-held")
    # ...until the head gives it to someone else, taking it from them.
    r = _post(world, task, "assign", "head", {"principal_id": ids["reception"]})
    assert r.status_code == 200, r.get_json()
    assert _post(world, task, "assign", "head", {"principal_id": ids["reception"]}
                 ).status_code == 200  # theirs already: no event
    assert_problem(complete(world, task, {"copies": 1}, who="specialist"), 404, "not-found")
    assert complete(world, task, {"copies": 1}, who="reception").status_code == 200

    events = _holder_events(world, d["code"])
    assert [e["kind"] for e in events] == ["task.assigned", "task.assigned"]
    assert events[0]["payload"]["from"] is None
    assert events[1]["payload"]["from"] == {"id": ids["specialist"], "name": "specialist"}
    assert events[1]["payload"]["to"] == {"id": ids["reception"], "name": "reception"}
    assert events[1]["payload"]["by"] == {"id": ids["head"], "name": "head"}
    assert events[1]["payload"]["unit"] == world.unit
    completed = [e for e in history(world, d["code"]) if e["kind"] == "task.completed"]
    assert completed[0]["payload"]["position"] == "reception"
    _chain_verifies(world, d["code"])


def test_assignment_is_for_heads_and_to_officers_of_the_unit(db_url: str,
                                                            two_steps: World) -> None:
    world = two_steps
    ids = _officers(world)
    d = started(world)
    task = d["current_steps"][0]["task_id"]
    for who in ("reception", "specialist"):
        assert_problem(_post(world, task, "assign", who, {"principal_id": ids["reception"]}),
                       404 if who == "specialist" else 403,
                       "not-found" if who == "specialist" else "forbidden")
    assert_problem(_post(world, task, "assign", "elsewhere", {"principal_id": ids["elsewhere"]}),
                   404, "not-found")
    assert_problem(_post(world, task, "assign", "auditor", {"principal_id": ids["reception"]}),
                   403, "forbidden")

    other = make_world(db_url)
    try:
        other.principal("outsider", "officer", unit=other.unit, position="reception")
        outsider_id = authenticate(other.ctx, other.tokens["outsider"]).id
    finally:
        other.ctx.db_engine.dispose()
    client_id = authenticate(world.ctx, world.tokens["client"]).id
    answers = set()
    for principal_id in (ids["elsewhere"], 2**31 - 1, outsider_id, client_id):
        body = assert_problem(_post(world, task, "assign", "head",
                                    {"principal_id": principal_id}), 422, "invalid-input")
        assert [e["field"] for e in body["errors"]] == ["principal_id"]
        answers.add(body["detail"])
    assert len(answers) == 1  # unknown, of another province or unit: the same answer
    for bad in ("x", 0, None):
        r = _post(world, task, "assign", "head", {"principal_id": bad})
        assert_problem(r, 422, "invalid-input")
    assert _holder_events(world, d["code"]) == []


def test_inbox_pages_make_the_whole_inbox_in_order(two_steps: World) -> None:
    # Tasks tied on their step due (none here): each page is cut from the same order.
    world = two_steps
    _officers(world)
    codes = [started(world)["code"] for _ in range(5)]
    whole = _inbox(world, "reception")
    assert whole["total"] == 5
    assert [t["dossier_code"] for t in whole["items"]] == codes
    for limit in (1, 2, 3):
        paged = []
        for offset in range(0, 5, limit):  # bounded: 5 tasks
            page = _inbox(world, "reception", f"?limit={limit}&offset={offset}")
            assert page["total"] == 5
            paged += [t["dossier_code"] for t in page["items"]]
        assert paged == codes
    assert _inbox(world, "reception", "?offset=5") == {"total": 5, "items": []}
    assert _inbox(world, "reception", "?offset=7&claimed=true") == {"total": 0, "items": []}


def test_the_inbox_filters_pages_and_counts(two_steps: World) -> None:
    world = two_steps
    ids = _officers(world)
    codes = [started(world)["code"] for _ in range(3)]
    tasks = {t["dossier_code"]: t["id"] for t in _inbox(world, "reception")["items"]}
    assert set(tasks) == set(codes)
    assert _post(world, tasks[codes[1]], "claim", "reception").status_code == 200

    def seen(who: str, query: str = "") -> tuple[int, list[str]]:
        page = _inbox(world, who, query)
        return page["total"], [t["dossier_code"] for t in page["items"]]

    # Theirs and the unheld ones; a colleague does not see the task another holds.
    assert seen("reception") == (3, codes)
    assert seen("reception2") == (2, [codes[0], codes[2]])
    assert seen("reception", "?claimed=false") == (2, [codes[0], codes[2]])
    assert seen("reception", "?claimed=true") == (1, [codes[1]])
    assert seen("reception2", "?claimed=true") == (0, [])
    # The head sees what nobody holds in the unit, and with claimed=true who holds what.
    assert seen("head") == (2, [codes[0], codes[2]])
    page = _inbox(world, "head", "?claimed=true")
    assert page["total"] == 1
    assert page["items"][0]["holder"] == {"id": ids["reception"], "name": "reception"}
    assert seen("specialist") == (0, [])
    assert seen("elsewhere") == (0, [])
    # Auditors see every task, held or not.
    assert seen("auditor") == (3, codes)
    assert seen("auditor", "?claimed=true") == (1, [codes[1]])
    # Pages keep the total; filters narrow it.
    assert seen("reception", "?limit=1&offset=1") == (3, [codes[1]])
    assert seen("reception", "?process_key=two_steps") == (3, codes)
    assert seen("reception", "?process_key=other") == (0, [])
    assert seen("reception", f"?unit={world.unit}") == (3, codes)
    assert seen("reception", f"?unit={world.unit}X") == (0, [])
    assert seen("reception", "?claimed=true&status=completed") == (0, [])
    r = world.client.get("/api/v1/tasks?claimed=maybe", headers=world.headers("reception"))
    assert_problem(r, 422, "invalid-input")


def test_officers_claiming_at_once_one_wins(two_steps: World) -> None:
    world = two_steps
    d = started(world)
    task = d["current_steps"][0]["task_id"]
    names = [f"desk{i}" for i in range(8)]
    for name in names:
        world.principal(name, "officer", unit=world.unit, position="reception")
    barrier = threading.Barrier(len(names))
    results: list[Any] = [None] * len(names)
    errors: list[BaseException] = []

    def claim(i: int) -> None:
        client = world.app.test_client()
        try:
            barrier.wait(timeout=60)
            r = client.post(f"/api/v1/tasks/{task}/claim", headers=world.headers(names[i]))
            results[i] = (r.status_code, r.get_json())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: len(names) - 1}, results
    assert {body["code"] for status, body in results if status == 409} == {"task-held"}
    winner = next(body for status, body in results if status == 200)["holder"]["name"]
    events = _holder_events(world, d["code"])
    assert [(e["kind"], e["payload"]["to"]["name"]) for e in events] == [
        ("task.claimed", winner)]
    _chain_verifies(world, d["code"])
    assert complete(world, task, {"copies": 1}, who=winner).status_code == 200
