"""Compact persistence of a running workflow.

SpiffWorkflow's own serialization embeds the whole spec in every instance. We store the spec
once per deployed version, so the state here leaves it out and the loader is handed the
(cached) spec objects instead. Task data is already stored as deltas by SpiffWorkflow 3.2.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge

STATE_FORMAT = 1

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_REGISTRY = _SERIALIZER.registry


def _converter(typename: str) -> Any:
    # The registry wraps each converter in a partial; we need the converter object itself.
    return _REGISTRY.convert_from_dict[typename].args[0].__self__


_WORKFLOW_CONVERTER = _converter("BpmnWorkflow")

# The task and sub-workflow dicts are written out below as SpiffWorkflow 3.2's own
# converters write them; should the configuration name other converters, theirs are used.
_TASKS_SPELLED_OUT = type(_converter("Task")) is TaskConverter
_SUBWORKFLOWS_SPELLED_OUT = type(_converter("BpmnSubWorkflow")) is BpmnSubWorkflowConverter


def dump_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance as a JSON-ready dict, without its spec."""
    # BpmnWorkflowConverter.to_dict less its spec parts: the common attributes, then the
    # subprocesses and pending events. Converting the spec only to drop it cost about a
    # tenth of every dump.
    dct = _workflow_dict(workflow)
    if _SUBWORKFLOWS_SPELLED_OUT:
        dct["subprocesses"] = {str(uid): {**_workflow_dict(sub),
                                          "parent_task_id": str(sub.parent_task_id),
                                          "spec": sub.spec.name, "typename": "BpmnSubWorkflow"}
                               for uid, sub in workflow.subprocesses.items()}
    else:
        dct["subprocesses"] = _WORKFLOW_CONVERTER.mapping_to_dict(workflow.subprocesses)
    dct["bpmn_events"] = _REGISTRY.convert(workflow.bpmn_events)
    return {"format": STATE_FORMAT, "workflow": dct}


def _workflow_dict(workflow: Any) -> dict[str, Any]:
    """WorkflowConverter.to_dict: the attributes a workflow and a sub-workflow share."""
    tasks = (_tasks_dict(workflow.tasks) if _TASKS_SPELLED_OUT
             else _WORKFLOW_CONVERTER.mapping_to_dict(workflow.tasks))
    return {
        "data": _REGISTRY.convert(_REGISTRY.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": tasks,
        "root": str(workflow.task_tree.id),
    }


def _tasks_dict(tasks: dict[UUID, Any]) -> dict[str, Any]:
    """The task map as TaskConverter.to_dict writes each task (with the registry's type
    name): the data of the root, the changes from its parent's data for the others. Going
    through the registry's generic dispatch for every task took half of every dump."""
    convert = _REGISTRY.convert
    out = {}
    for uid, task in tasks.items():
        key = str(uid)
        parent_id = task._parent
        parent = tasks.get(parent_id) if parent_id is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                     "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
        internal = task.internal_data
        out[key] = {
            "id": key,
            "parent": str(parent_id) if parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": {} if type(internal) is dict and not internal else convert(internal),
            "data": data,
            "delta": delta,
            "typename": "Task",
        }
    return out


def load_state(
    state: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any], script_engine: Any
) -> BpmnWorkflow:
    """Rebuild a workflow from `dump_state` output and the shared specs of its version."""
    if state.get("format") != STATE_FORMAT:
        raise ValueError(f"unknown state format {state.get('format')!r}")
    dct = dict(state["workflow"])  # the converter pops keys; keep the caller's dict intact
    conv = _WORKFLOW_CONVERTER
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
    workflow.tasks = conv.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    conv.set_default_attributes(workflow, dct)
    conv.subprocesses_from_dict(dict(dct["subprocesses"]), workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.pop("bpmn_events", []))
    return workflow
