"""What an instance reports to its caller: the steps that ran, and the user tasks waiting
for an officer with the properties the diagram gave them."""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.task import Task

from engine.runtime.properties import properties


@dataclass(frozen=True)
class Step:
    """A BPMN element that ran (or failed)."""

    element_id: str
    element_type: str
    name: str | None
    task_id: str
    outcome: str = "completed"  # or "error"
    message: str | None = None


@dataclass(frozen=True)
class UserTask:
    """A user task waiting for an officer."""

    task_id: str
    element_id: str
    name: str | None
    lane: str | None
    position: str | None
    form: str | None
    process_id: str
    budget: str | None = None
    unit: str | None = None  # the task's `unit` property: where it goes (engine.services.flow.routing)


def user_task(task: Task) -> UserTask:
    spec = task.task_spec
    props = properties(task)
    lane = getattr(spec, "lane", None)
    return UserTask(
        task_id=str(task.id),
        element_id=spec.bpmn_id,
        name=spec.bpmn_name,
        lane=lane,
        position=props.get("position") or lane,
        form=props.get("formJsonSchemaFilename"),
        process_id=task.workflow.spec.name,
        budget=props.get("stepBudget"),
        unit=props.get("unit") or None,
    )
