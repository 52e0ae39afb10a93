"""Serialized instances written by earlier releases must still load and run to the end.

Each golden file holds a dossier's stored state part-way through a catalogue process, the
steps still to do and the expected end. A change to the state format or to a process that
breaks running dossiers fails here; write a migration rather than a new golden file.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.calendar import national_calendar
from engine.runtime import Instance
from engine.services.catalog_cache import compile_process

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))
VN = timezone(timedelta(hours=7))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_state_loads_and_finishes(path: Path) -> None:
    golden: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    forms = {p.name: p.read_bytes() for p in (ROOT / "forms").glob("*.json")}
    bpmn = (ROOT / "processes" / f"{golden['process']}.bpmn").read_bytes()
    compiled = compile_process(bpmn, {n: b for n, b in forms.items()})
    now = datetime(2026, 3, 3, 9, 0, tzinfo=VN)
    inst = Instance.load(golden["state"], compiled.spec, compiled.subprocess_specs, None,
                         now=now, calendar=national_calendar())
    for step in golden["remaining_steps"]:
        ready = [t for t in inst.user_tasks() if t.element_id == step["task"]]
        assert ready, f"{step['task']} is not waiting; waiting: {inst.user_tasks()}"
        inst.complete(ready[0].task_id, step["data"])
        inst = Instance.load(json.loads(json.dumps(inst.dump())), compiled.spec,
                             compiled.subprocess_specs, None, now=now,
                             calendar=national_calendar())
    assert inst.finished and inst.error is None
    assert inst.end_events()[-1] == golden["expect"]["end_event"]
    for key, value in golden["expect"].get("data", {}).items():
        assert inst.data[key] == value


def test_there_is_a_golden_state_per_catalogue_process() -> None:
    processes = {p.stem for p in (ROOT / "processes").glob("*.bpmn")}
    covered = {json.loads(p.read_text(encoding="utf-8"))["process"] for p in GOLDEN}
    assert processes <= covered
