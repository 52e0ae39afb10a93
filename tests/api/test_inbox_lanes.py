"""The officers' inbox against its rule (tests/api/inbox_model.py): a province of four units
whose officers hold one or several memberships, lead units they are also members of, or
moved away from tasks they still hold; tasks of every unit and position (and of none),
some held, some done, with step dues tied and missing. Every page of every officer's and
the auditor's inbox, held, unheld or both, filtered or not, is the rule's slice of it, in
order, with the rule's count (on PostgreSQL each lane's first page comes from its index and
the lanes are merged with the ties of their last task: the pages cross those ties)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.clock import ManualClock
from engine.services.org.auth import create_principal
from engine.store.models import Dossier, Task
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import assert_problem, post_bpmn, started
from tests.api.inbox_model import Row, Scope, expected, parallel_diagram, timely
from tests.conftest import World

SEED = 3  # chosen so that _covers holds
# Parallel user tasks (lane, step budget): dossiers started at 8:00, 8:30 and 9:00 give
# step dues on a half-hour grid, many tied, some missing; "archivist" is nobody's position.
PROCESSES = {
    "lanes_timed": [("a", "reception", "PT1H"), ("b", "specialist", "PT2H"),
                    ("c", None, None), ("d", "archivist", "PT1H")],
    "lanes_plain": [("a", "reception", "PT2H"), ("b", "specialist", None),
                    ("c", None, "PT1H"), ("d", "archivist", "PT2H")],
}
# name: memberships as (unit number, position), the first one the principal's own.
OFFICERS = {
    "desk": [(0, "reception")],
    "twohat": [(0, "reception"), (0, "specialist")],  # two positions in one unit
    "head0": [(0, "head_of_department")],
    "lead1": [(1, "head_of_department"), (1, "specialist"), (2, "reception")],  # leads, member
    "roamer": [(1, "reception"), (2, "specialist")],  # two units
    "mover": [(2, "specialist")],  # moves to unit 3 once holding tasks of unit 2
    "leader3": [(3, "leader"), (0, "specialist")],
}
MOVED = [(3, "reception")]
DOSSIERS = 10
SIZES = (1, 2, 3, 50)


def _province(w: World) -> tuple[list[str], dict[str, int]]:
    """Units 0-3 (0 the world's) and the officers, by name their principal ids."""
    units = [w.unit] + [f"{w.unit}{c}" for c in "BCD"]
    for u in units[1:]:
        w.register_unit(u)
    ids = {}
    for name, ms in OFFICERS.items():
        made, token = create_principal(w.ctx, name=name, role="officer", province=w.province,
                                       unit=units[ms[0][0]], position=ms[0][1])
        w.tokens[name], ids[name] = token, made.id
        if len(ms) > 1:
            _patch(w, made.id, {"memberships": [{"unit": units[u], "position": p}
                                                for u, p in ms[1:]]})
    w.principal("nounit", "officer")
    return units, ids


def _patch(w: World, principal_id: int, body: dict[str, Any]) -> None:
    r = w.client.patch(f"/api/v1/principals/{principal_id}", json=body,
                       headers=w.headers("admin"))
    assert r.status_code == 200, r.get_json()


def _deploy(w: World) -> None:
    for key, tasks in PROCESSES.items():
        r = post_bpmn(w, parallel_diagram(key, tasks))
        assert r.status_code == 201, r.get_json()
    # The timed process's dossiers have a statutory due too: the order's second key.
    r = w.client.put("/api/v1/procedures/lanes-timed", headers=w.headers("designer"), json={
        "name": "Lanes", "process_key": "lanes_timed", "rules": [{
            "effective_from": "2026-01-01",
            "limits": {"default": {"value": 3, "unit": "working_days"}}}]})
    assert r.status_code == 201, r.get_json()


def _intake(w: World, clock: ManualClock, rng: random.Random, units: list[str]
            ) -> list[tuple[str, str, str | None]]:
    """The dossiers, started at instants several share; their tasks (id, unit, position)
    in the order they were made."""
    made = []
    for minutes in sorted(rng.choice((0, 30, 60)) for _ in range(DOSSIERS)):
        clock.set(MONDAY_8AM + timedelta(minutes=minutes))
        key = rng.choice(sorted(PROCESSES))
        data = {f"unit_{t}": rng.choice(units) for t, _, _ in PROCESSES[key]}
        steps = {s["element_id"]: s for s in started(w, process_key=key, data=data)
                 ["current_steps"]}
        for t, lane, _ in PROCESSES[key]:
            assert steps[t]["unit"] == data[f"unit_{t}"]
            made.append((steps[t]["task_id"], data[f"unit_{t}"], lane))
    return made


def _work(w: World, rng: random.Random, units: list[str], ids: dict[str, int],
          made: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """Officers claim tasks of their lanes, heads and leaders assign their units' tasks to
    its officers (themselves too); the holders by task id."""
    holders = {}
    ms = {name: [(units[u], p) for u, p in OFFICERS[name]] for name in OFFICERS}
    for task_id, unit, position in made:
        if rng.random() > 0.45:
            continue
        members = sorted(n for n in ms if any(u == unit for u, _ in ms[n]))
        claimers = [n for n in members
                    if any(u == unit and position in (None, p) for u, p in ms[n])]
        leads = [n for n in members if any(u == unit and p in ("head_of_department", "leader")
                                           for u, p in ms[n])]
        if leads and (not claimers or rng.random() < 0.5):
            by, to = rng.choice(leads), rng.choice(members)
            r = w.client.post(f"/api/v1/tasks/{task_id}/assign", headers=w.headers(by),
                              json={"principal_id": ids[to]})
        elif claimers:
            to = rng.choice(claimers)
            r = w.client.post(f"/api/v1/tasks/{task_id}/claim", headers=w.headers(to))
        else:
            continue
        assert r.status_code == 200, r.get_json()
        holders[task_id] = to
    return holders


def _finish_some(w: World, rng: random.Random, holders: dict[str, str]) -> None:
    """A few held tasks done by their holders."""
    for task_id in rng.sample(list(holders), min(4, len(holders))):  # in the order made
        who = holders[task_id]
        if who == "mover":
            continue  # moved away: they hold it, but may work it no more
        r = w.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}},
                          headers=w.headers(who))
        assert r.status_code == 200, r.get_json()


def _rows(w: World) -> list[Row]:
    with w.ctx.uow(readonly=True) as uow:
        found = uow.session.execute(
            select(Task, Dossier.due_at, Dossier.process_key)
            .join(Dossier, Dossier.id == Task.dossier_id)
            .where(Task.province == w.province)).all()
        return [Row(t.id, t.unit, t.position, t.holder_id, t.status, t.due_at, t.warn_at,
                    t.completed_at, t.created_at, due, key) for t, due, key in found]


def _queries(units: list[str], claimed: bool | None) -> list[dict[str, str]]:
    """The filters read beside the whole inbox (each at one page of 50)."""
    qs = [{"unit": u} for u in units] + [{"timeliness": "overdue"},
                                         {"timeliness": "approaching"}]
    if claimed is None:
        qs += [{"timeliness": "within_time"}, {"process_key": "lanes_plain"},
               {"status": "completed"}, {"status": "completed", "timeliness": "late"}]
    return qs


def _pages(n: int, lanes: bool) -> list[tuple[int, int]]:
    """(limit, offset) of the pages to read of an inbox of `n` tasks: of several lanes at
    every offset (each cut of the lanes' ties), of one lane at each page's start."""
    return [(size, offset) for size in SIZES[:-1]
            for offset in range(0, n + 1, 1 if lanes else size)] + [(50, 0), (50, n + 1)]


def _compare(w: World, who: str, want: list[str], query: dict[str, str],
             pages: list[tuple[int, int]]) -> None:
    """`who`'s inbox read with `query`, a page at a time, is the rule's."""
    for size, offset in pages:
        qs = "&".join(f"{k}={v}" for k, v in {**query, "limit": str(size),
                                               "offset": str(offset)}.items())
        r = w.client.get(f"/api/v1/tasks?{qs}", headers=w.headers(who))
        assert r.status_code == 200, r.get_json()
        page = r.get_json()
        got = ([t["id"] for t in page["items"]], page["total"])
        assert got == (want[offset:offset + size], len(want)), (who, qs, want)


def _covers(rows: list[Row], units: list[str], ids: dict[str, int], now: datetime) -> None:
    """The cases the seed must give (another seed may not): what the lanes could get
    wrong."""
    unheld = [t for t in rows if t.status == "open" and t.holder_id is None]
    # Tasks of both positions of the officer holding two, and without a lane.
    assert {t.position for t in unheld if t.unit == units[0]} >= {
        "reception", "specialist", None}
    assert any(t.position is None for t in unheld if t.unit == units[2])  # led by nobody
    # A leader holding a task of their own unit; a moved officer a task of their old one.
    assert any(t.holder_id == ids["lead1"] and t.unit == units[1] for t in rows)
    assert any(t.holder_id == ids["mover"] and t.unit == units[2] and t.status == "open"
               for t in rows)
    # Step dues tied across units and missing; steps done late.
    dues = [(t.due_at, t.unit) for t in rows if t.status == "open"]
    assert any(d is None for d, _ in dues)
    assert sum(len({u for d, u in dues if d == due}) > 1 for due in {d for d, _ in dues}) > 2
    assert any(t.completed_at and t.due_at and t.completed_at > t.due_at for t in rows)
    assert any(timely(t, "approaching", now) for t in rows)


def test_every_inbox_page_follows_the_rule(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    rng = random.Random(SEED)
    units, ids = _province(w)
    _deploy(w)
    made = _intake(w, clock, rng, units)
    clock.set(MONDAY_8AM + timedelta(minutes=70))
    holders = _work(w, rng, units, ids, made)
    # Moved to another unit, the officer still holds (and sees) the tasks given them.
    _patch(w, ids["mover"], {"unit": units[3], "position": MOVED[0][1]})
    clock.set(MONDAY_8AM + timedelta(minutes=135))  # some done after their step due
    _finish_some(w, rng, holders)

    rows = _rows(w)
    assert len(rows) == 4 * DOSSIERS
    assert {t.id: t.holder_id for t in rows if t.holder_id} == {
        t: ids[n] for t, n in holders.items()}
    _covers(rows, units, ids, clock.now())
    assert_problem(w.client.get("/api/v1/tasks", headers=w.headers("nounit")), 403,
                   "forbidden")

    scopes: dict[str, Scope | None] = {"auditor": None}
    for name, ms in OFFICERS.items():
        now_ms = MOVED if name == "mover" else ms
        scopes[name] = Scope(ids[name], frozenset((units[u], p) for u, p in now_ms))
    now = clock.now()
    for who, scope in scopes.items():
        for claimed in (None, True, False):
            held = {} if claimed is None else {"claimed": str(claimed).lower()}
            want = expected(rows, scope, claimed, {}, now)
            _compare(w, who, want, held, _pages(len(want), scope is not None))
            for query in _queries(units, claimed):
                _compare(w, who, expected(rows, scope, claimed, query, now),
                         {**query, **held}, [(50, 0)])
