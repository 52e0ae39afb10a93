"""The stored state is SpiffWorkflow's own dict of the workflow, less the spec parts.

`dump_state` builds it without converting the spec; these tests hold it to what
SpiffWorkflow's serializer writes, for diagrams with embedded sub-processes, call activities,
boundary and intermediate events, and check that it loads back to the same state.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import CompiledProcess
from engine.runtime import Instance
from engine.runtime.state import dump_state, load_state
from engine.services.catalog_cache import compile_process

DATA = Path(__file__).resolve().parents[1] / "api" / "data" / "constructs"
DIAGRAMS = sorted(DATA.glob("*.bpmn"))
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def spiff_dict_without_spec(workflow: object) -> dict:
    """SpiffWorkflow's converter's dict of the workflow (what its serializer wraps with a
    type name and version), spec parts dropped."""
    full = SERIALIZER.registry.convert(workflow)
    for key in ("spec", "subprocess_specs", "typename"):
        full.pop(key)
    return full


def started(path: Path, data: dict | None = None) -> tuple[CompiledProcess, Instance]:
    forms = {p.name: p.read_bytes() for p in DATA.glob("*.json")}
    compiled = compile_process(path.read_bytes(), forms, filename=path.name)
    inst = Instance.start(compiled.spec, compiled.subprocess_specs, None,
                          {"amount": 5, "approved": True} if data is None else data)
    return compiled, inst


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_dump_is_spiffworkflows_dict_without_the_spec(path: Path) -> None:
    compiled, inst = started(path)
    state = dump_state(inst.workflow)
    assert state["workflow"] == spiff_dict_without_spec(inst.workflow)
    assert "spec" not in state["workflow"]

    reloaded = load_state(json.loads(json.dumps(state)), compiled.spec,
                          compiled.subprocess_specs, None)
    assert dump_state(reloaded) == json.loads(json.dumps(state))


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_the_dump_stays_spiffworkflows_dict_as_the_dossier_moves(path: Path) -> None:
    """Each step adds data to tasks (written as changes from the parent's data), removes
    some, and leaves timers' instants in the internal data."""
    compiled, inst = started(path)
    for step in range(4):  # bounded: a few steps into each diagram
        waiting = inst.user_tasks()
        if not waiting:
            break
        inst.complete(waiting[0].task_id, {"approved": step % 2 == 0, "amount": step,
                                           f"note_{step}": {"nested": [step, None, "ở"]}})
        assert dump_state(inst.workflow)["workflow"] == spiff_dict_without_spec(inst.workflow)


def test_a_running_subprocess_is_in_the_dump() -> None:
    _, inst = started(DATA / "subprocess.bpmn", {})
    assert inst.workflow.subprocesses, "the diagram should wait inside its sub-process"
    assert set(dump_state(inst.workflow)["workflow"]["subprocesses"]) == {
        str(k) for k in inst.workflow.subprocesses}


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_waiting_user_tasks_are_the_ones_spiffworkflow_finds(path: Path) -> None:
    _, inst = started(path)
    for _ in range(4):  # bounded: a few steps into each diagram
        expected = {str(t.id) for t in inst.workflow.get_tasks(state=TaskState.READY,
                                                                manual=True)}
        waiting = inst.user_tasks()
        assert {t.task_id for t in waiting} == expected
        assert len(waiting) == len(expected)
        if not waiting:
            break
        inst.complete(waiting[0].task_id, {"approved": True, "amount": 5})


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_the_dossier_data_merges_every_task_that_ran_or_waits(path: Path) -> None:
    _, inst = started(path)
    for step in range(4):  # bounded: a few steps into each diagram
        wf = inst.workflow
        reference = dict(wf.data)
        ran = [t for w in (wf, *wf.subprocesses.values()) for t in w.get_tasks(
            state=TaskState.READY | TaskState.WAITING | TaskState.STARTED
            | TaskState.COMPLETED)]
        for task in sorted(ran, key=lambda t: t.last_state_change):
            reference.update(task.data)
        if not reference.get("data_objects"):
            reference.pop("data_objects", None)
        assert inst.data == reference
        waiting = inst.user_tasks()
        if not waiting:
            break
        inst.complete(waiting[0].task_id, {"approved": True, "amount": step})
