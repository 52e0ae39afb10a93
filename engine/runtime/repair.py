"""Repairing a dossier a diagram stopped: its data set by hand, its failed elements run again.

Once a step of the diagram failed on missing or wrong data, a designer sets the keys it
needs (`patch_data`) and retries: elements left failed by an earlier version of the
platform (SpiffWorkflow's ERROR state, kept in the stored state) run again from where they
stopped (`rerun_failed`).
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.runtime.instance import ACTIVE, Instance

# The tasks whose data the next steps start from: those waiting or ready, and those that
# failed (they run again from their own data).
_PATCHED = ACTIVE | TaskState.ERROR


def patch_data(instance: Instance, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the keys of `changes` in the dossier's data, where the next steps read it (the
    workflow's data and every task waiting, ready or failed). Returns, per key that
    changed, its value `before` (absent: it was not set) and `after`."""
    current = instance.data
    changed: dict[str, dict[str, Any]] = {}
    for key, value in changes.items():
        if key in current and current[key] == value:
            continue
        change: dict[str, Any] = {"after": value}
        if key in current:
            change["before"] = current[key]
        changed[key] = change
    if not changed:
        return changed
    instance.workflow.data.update({k: changes[k] for k in changed})
    for wf in (instance.workflow, *instance.workflow.subprocesses.values()):
        for task in wf.tasks.values():
            if task.state & _PATCHED:
                task.data.update({k: changes[k] for k in changed})
    return changed


def rerun_failed(instance: Instance) -> list[str]:
    """Make the elements that failed ready to run again (with their data as it is now);
    the next engine steps run them. Returns their element ids."""
    failed = [t for wf in (instance.workflow, *instance.workflow.subprocesses.values())
              for t in wf.tasks.values() if t.state == TaskState.ERROR]
    for task in failed:
        instance.workflow.reset_from_task_id(task.id, data=dict(task.data))
    return [t.task_spec.bpmn_id for t in failed if t.task_spec.bpmn_id]
