"""What the platform needs to know about the human tasks of a compiled process."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.normalize import FORM_PROPERTY
from engine.bpmn.problems import Problems
from engine.bpmn.structure import executable_processes
from engine.bpmn.xml import text_of, xpath
from engine.deadlines.limits import parse_budget
from engine.errors import InvalidInput
from engine.org.routes import route_problem

POSITION_PROPERTY = "position"
BUDGET_PROPERTY = "stepBudget"
UNIT_PROPERTY = "unit"
PROPERTY_PATH = "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"


@dataclass(frozen=True)
class UserTaskInfo:
    """A user (or manual) task: who does it and with which form.

    `position` is the job position expected to do the task: the task's spiffworkflow
    property ``position`` if present, else its lane's name.
    """

    element_id: str
    name: str
    lane: str | None
    form: str | None
    position: str | None
    properties: dict[str, str] = field(default_factory=dict)


def user_tasks(root: etree._Element, process_ids: Collection[str]) -> list[UserTaskInfo]:
    """The human tasks of the given top-level processes (and their sub-processes)."""
    lanes = _lanes_by_node(root)
    found: list[UserTaskInfo] = []
    for process in xpath(root, "./bpmn:process"):
        if process.get("id") not in process_ids:
            continue
        # Manual tasks wait for a person too (SpiffWorkflow lists both as `manual`).
        for task in xpath(process, ".//bpmn:userTask | .//bpmn:manualTask"):
            props = {str(p.get("name")): str(p.get("value") or "")
                     for p in xpath(task, PROPERTY_PATH) if p.get("name")}
            lane = _lane_of(task, lanes)
            found.append(
                UserTaskInfo(
                    element_id=str(task.get("id")),
                    name=(task.get("name") or "").strip() or str(task.get("id")),
                    lane=lane,
                    form=props.get(FORM_PROPERTY) or None,
                    position=props.get(POSITION_PROPERTY) or lane,
                    properties=props,
                )
            )
    return found


def check_budgets(root: etree._Element, problems: Problems) -> None:
    """Every human task's `stepBudget` must read as a time limit the calendar can count
    (`2 working_days`, `PT4H`, ...); otherwise the task is named at deploy, not skipped
    or failed at run time."""
    executable = {str(p.get("id")) for p in executable_processes(root)}
    for task in user_tasks(root, executable):
        value = task.properties.get(BUDGET_PROPERTY, "").strip()
        if not value:
            continue
        try:
            parse_budget(value, f"{task.element_id}.{BUDGET_PROPERTY}")
        except InvalidInput as exc:
            reason = exc.errors[0]["message"] if exc.errors else exc.message
            problems.add(task.element_id, f"{BUDGET_PROPERTY} {value!r}: {reason}")


def check_routes(root: etree._Element, problems: Problems) -> None:
    """Every human task's `unit` property must name a unit the way engine.org.routes
    reads it; otherwise the task is named at deploy."""
    executable = {str(p.get("id")) for p in executable_processes(root)}
    for task in user_tasks(root, executable):
        value = task.properties.get(UNIT_PROPERTY)
        if value is None:
            continue
        why = route_problem(value.strip())
        if why:
            problems.add(task.element_id, why)


def _lanes_by_node(root: etree._Element) -> dict[str, str | None]:
    lanes: dict[str, str | None] = {}
    for ref in xpath(root, "//bpmn:lane/bpmn:flowNodeRef"):
        lane = ref.getparent()
        name = (lane.get("name") or "").strip() if lane is not None else ""
        # Nested lanes list their nodes too: the innermost (last seen) lane wins.
        lanes[text_of(ref)] = name or None
    return lanes


def _lane_of(task: etree._Element, lanes: dict[str, str | None]) -> str | None:
    """The task's lane, or the lane of the sub-process it sits in (as SpiffWorkflow does)."""
    node: etree._Element | None = task
    while node is not None:
        if node.get("id") in lanes:
            return lanes[str(node.get("id"))]
        node = node.getparent()
    return None
