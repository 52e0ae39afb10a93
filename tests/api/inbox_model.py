"""The officers' inbox as a rule over task rows (the specification the SQL lanes of
engine.store.inbox_reads must meet), and a diagram whose parallel user tasks land in the
units, positions and step budgets a test chooses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LEADING = frozenset({"head_of_department", "leader"})
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a placeholder for a missing instant


@dataclass(frozen=True)
class Row:
    """What the rule reads of a task and its dossier."""

    id: str
    unit: str
    position: str | None
    holder_id: int | None
    status: str
    due_at: datetime | None
    warn_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    dossier_due_at: datetime | None
    process_key: str


@dataclass(frozen=True)
class Scope:
    """An officer: their id, their (unit, position) memberships and the units they lead."""

    principal_id: int
    memberships: frozenset[tuple[str, str]]

    @property
    def supervised(self) -> frozenset[str]:
        return frozenset(u for u, p in self.memberships if p in LEADING)


def timely(t: Row, kind: str, now: datetime) -> bool:
    """A timeliness class of a task, as the inbox filters on it."""
    is_open = t.status == "open" and t.due_at is not None
    if kind == "overdue":
        return is_open and t.due_at is not None and t.due_at < now
    if kind == "approaching":
        return (is_open and t.due_at is not None and t.due_at >= now
                and t.warn_at is not None and t.warn_at <= now)
    if kind == "within_time":
        return (is_open and t.due_at is not None and t.due_at >= now
                and (t.warn_at is None or t.warn_at > now))
    done = t.status == "completed" and t.completed_at is not None and t.due_at is not None
    if kind == "late":
        return done and t.completed_at is not None and t.due_at is not None \
            and t.completed_at > t.due_at
    return done and t.completed_at is not None and t.due_at is not None \
        and t.completed_at <= t.due_at


def in_scope(t: Row, scope: Scope | None, claimed: bool | None) -> bool:
    """Whether the inbox of `scope` (None: an auditor's) holds the task."""
    held = t.holder_id is not None
    if scope is None:
        return claimed is None or held == claimed
    mine = t.holder_id == scope.principal_id
    # A task without a lane is for any position of its unit.
    lane = any(t.unit == u and (t.position is None or t.position == p)
               for u, p in scope.memberships)
    led = t.unit in scope.supervised
    if claimed is None:
        return mine or (not held and (lane or led))
    if claimed:
        return mine or (held and led)
    return not held and (lane or led)


def _key(t: Row) -> tuple[Any, ...]:
    # Task due, then dossier due (each missing one last), creation, id.
    return (t.due_at is None, t.due_at or NEVER, t.dossier_due_at is None,
            t.dossier_due_at or NEVER, t.created_at, t.id)


def expected(rows: list[Row], scope: Scope | None, claimed: bool | None,
             query: dict[str, str], now: datetime) -> list[str]:
    """The whole inbox, in order: ids of the tasks matching the rule and the filters."""
    found = [t for t in rows
             if t.status == query.get("status", "open") and in_scope(t, scope, claimed)
             and ("unit" not in query or t.unit == query["unit"])
             and ("process_key" not in query or t.process_key == query["process_key"])
             and ("timeliness" not in query or timely(t, query["timeliness"], now))]
    return [t.id for t in sorted(found, key=_key)]


def _user_task(task_id: str, unit_field: str, budget: str | None) -> str:
    props = [f'<spiffworkflow:property name="unit" value="{unit_field}"/>']
    if budget:
        props.append(f'<spiffworkflow:property name="stepBudget" value="{budget}"/>')
    return (f'<bpmn:userTask id="{task_id}" name="{task_id}"><bpmn:extensionElements>'
            f'<spiffworkflow:properties>{"".join(props)}</spiffworkflow:properties>'
            f'</bpmn:extensionElements><bpmn:incoming>in_{task_id}</bpmn:incoming>'
            f'<bpmn:outgoing>out_{task_id}</bpmn:outgoing></bpmn:userTask>')


def parallel_diagram(key: str, tasks: list[tuple[str, str | None, str | None]]) -> bytes:
    """start → split → each (task, lane or None, step budget or None) → join → end; task
    `x` goes to the unit named by the dossier's data field `unit_x`."""
    lanes: dict[str, list[str]] = {}
    for task_id, lane, _ in tasks:
        if lane is not None:
            lanes.setdefault(lane, []).append(task_id)
    lane_xml = "".join(
        f'<bpmn:lane id="lane_{name}" name="{name}">'
        + "".join(f"<bpmn:flowNodeRef>{t}</bpmn:flowNodeRef>" for t in ids) + "</bpmn:lane>"
        for name, ids in lanes.items())
    ids = [t for t, _, _ in tasks]
    flows = "".join(
        f'<bpmn:sequenceFlow id="in_{t}" sourceRef="split" targetRef="{t}"/>'
        f'<bpmn:sequenceFlow id="out_{t}" sourceRef="{t}" targetRef="join"/>' for t in ids)
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:laneSet id="ls">{lane_xml}</bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>to_split</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>to_split</bpmn:incoming>
      {"".join(f"<bpmn:outgoing>in_{t}</bpmn:outgoing>" for t in ids)}</bpmn:parallelGateway>
    {"".join(_user_task(t, f"unit_{t}", budget) for t, _, budget in tasks)}
    <bpmn:parallelGateway id="join">
      {"".join(f"<bpmn:incoming>out_{t}</bpmn:incoming>" for t in ids)}
      <bpmn:outgoing>to_end</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_split" sourceRef="start" targetRef="split"/>
    {flows}
    <bpmn:sequenceFlow id="to_end" sourceRef="join" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>'''.encode()
