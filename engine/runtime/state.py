"""Compact persistence of a running workflow.

SpiffWorkflow's own serialization embeds the whole spec in every instance. We store the spec
once per deployed version, so the state here leaves it out and the loader is handed the
(cached) spec objects instead. Task data is already stored as deltas by SpiffWorkflow 3.2.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_FORMAT = 1

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_REGISTRY = _SERIALIZER.registry
# The registry wraps each converter in a partial; we need the converter object itself.
_WORKFLOW_CONVERTER = _REGISTRY.convert_from_dict["BpmnWorkflow"].args[0].__self__


def dump_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance as a JSON-ready dict, without its spec."""
    conv = _WORKFLOW_CONVERTER
    # BpmnWorkflowConverter.to_dict less its spec parts: the common attributes (the
    # WorkflowConverter base), then the subprocesses and pending events. Converting the
    # spec only to drop it cost about a tenth of every dump.
    dct = WorkflowConverter.to_dict(conv, workflow)
    dct["subprocesses"] = conv.mapping_to_dict(workflow.subprocesses)
    dct["bpmn_events"] = _REGISTRY.convert(workflow.bpmn_events)
    return {"format": STATE_FORMAT, "workflow": dct}


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
