"""Moving a running instance from one version of its process to another.

SpiffWorkflow aligns the old specs with the new ones (`diff_workflow`: by BPMN id, else by
the structure around an element) and `migrate_workflow` swaps them under the live tasks,
resetting the waiting ones so they are predicted again on the new graph. A designer's
`mapping` (old element id -> new element id) overrides the alignment for elements renamed or
replaced. Before a move, `assess` says why an instance cannot move: an element it waits at
was removed or changed type, a form it waits on now requires a field its data lacks, a timer
it waits on changed. Waiting tasks keep their ids, so the inbox rows (and claims) of the same
element stay valid.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import CompiledProcess
from engine.lifecycle.diff import diff_forms

_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_FORM = "formJsonSchemaFilename"


def _aligned(workflow: Any, target: CompiledProcess,
             mapping: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    """SpiffWorkflow's diff of `workflow` against `target`, the mapping applied."""
    top, subs = diff_workflow(_REGISTRY, workflow, target.spec, target.subprocess_specs)
    pairs = [(top, workflow, target.spec.task_specs)]
    pairs += [(subs[i], workflow.subprocesses[i],
               _spec_of(target, workflow.subprocesses[i].spec.name)) for i in subs]
    for found, wf, specs in pairs:
        if found is None or specs is None:
            continue
        for task in wf.get_tasks(skip_subprocesses=True):
            new_id = mapping.get(task.task_spec.bpmn_id or "")
            if new_id is not None:
                found.alignment[task] = _by_bpmn_id(specs, new_id)
    return top, subs


def _spec_of(target: CompiledProcess, name: str) -> Any:
    spec = target.subprocess_specs.get(name)
    return spec.task_specs if spec is not None else None


def _by_bpmn_id(specs: dict[str, Any], bpmn_id: str) -> Any:
    return next((s for s in specs.values() if s.bpmn_id == bpmn_id), None)


def assess(workflow: Any, source: CompiledProcess, target: CompiledProcess,
           mapping: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Why `workflow` (on `source`) cannot move to `target`: one entry per blocking reason,
    each naming the element; empty when it can move."""
    mapping = mapping or {}
    reasons: list[dict[str, Any]] = []
    top, subs = _aligned(workflow, target, mapping)
    forms = {f["form"]: f for f in diff_forms(source.forms, target.forms)["changed"]}
    for found in [top, *subs.values()]:
        if found is None:
            continue
        for task, new in found.alignment.items():
            if not task.has_state(_WAITING) or task.task_spec.bpmn_id is None:
                continue
            reasons += _blocking(task, new, forms)
        for task in found.removed:
            if task.has_state(_WAITING) and task.task_spec.bpmn_id is not None:
                if task.task_spec.bpmn_id not in mapping:
                    reasons.append({"element": task.task_spec.bpmn_id,
                                    "reason": "element_removed"})
    for sp_id, found in subs.items():
        if found is None:
            reasons.append({"element": workflow.subprocesses[sp_id].spec.name,
                            "reason": "subprocess_removed"})
    return reasons


def _blocking(task: Any, new: Any, forms: dict[str, Any]) -> list[dict[str, Any]]:
    element = task.task_spec.bpmn_id
    if new is None:
        return [{"element": element, "reason": "element_removed"}]
    if type(new) is not type(task.task_spec):
        return [{"element": element, "reason": "element_type_changed",
                 "from": type(task.task_spec).__name__, "to": type(new).__name__}]
    old_event = getattr(task.task_spec, "event_definition", None)
    new_event = getattr(new, "event_definition", None)
    if old_event is not None and _REGISTRY.convert(old_event) != _REGISTRY.convert(new_event):
        return [{"element": element, "reason": "event_changed"}]
    form = (getattr(new, "extensions", None) or {}).get("properties", {}).get(_FORM)
    return _form_gaps(element, form, task.data, forms)


def _form_gaps(element: str, form: str | None, data: dict[str, Any],
               forms: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields the new version of the form made required (or added as required) that the
    dossier's data lacks: the data was gathered under the old rules."""
    changes = forms.get(form or "")
    if changes is None:
        return []
    newly = [*changes["made_required"], *changes.get("added_required", [])]
    missing = [f for f in newly if "/" not in f and "[]" not in f and f not in data]
    if not missing:
        return []
    return [{"element": element, "reason": "form_field_required", "form": form,
             "fields": missing}]


def migrate(workflow: Any, target: CompiledProcess,
            mapping: dict[str, str] | None = None) -> None:
    """Put `workflow` on `target` in place (call `assess` first); its waiting tasks are
    predicted again on the new graph, keeping their ids."""
    top, subs = _aligned(workflow, target, mapping or {})
    for sp_id, found in subs.items():
        sub = workflow.subprocesses[sp_id]
        if found is not None:
            migrate_workflow(found, sub, target.subprocess_specs[sub.spec.name])
    migrate_workflow(top, workflow, target.spec)
    workflow.subprocess_specs = dict(target.subprocess_specs)
