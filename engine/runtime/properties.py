"""The spiffworkflow extension properties of a diagram's elements, read at run time: flags
such as `startsClock` and `pausesClock`, worked out once per deployed spec."""
from __future__ import annotations

import weakref
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task


def starts_clock_later(spec: Any, subprocess_specs: dict[str, Any]) -> bool:
    """Whether some element of the process is marked `startsClock` (so the statutory clock
    does not start at intake)."""
    return any(flag((getattr(ts, "extensions", None) or {}).get("properties", {}) or {},
                     "startsClock")
               for s in (spec, *subprocess_specs.values()) for ts in s.task_specs.values())


def flag(props: dict[str, Any], name: str) -> bool:
    return str(props.get(name, "")).strip().lower() in ("true", "yes", "1")


_FLAGS: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()


def flags_of(workflow: BpmnWorkflow) -> frozenset[str]:
    """The flag properties set on any element of the workflow's diagram (its sub-processes
    and called processes included), worked out once per deployed spec: most diagrams mark
    no element as pausing the clock, and then no command needs to walk the tasks for it."""
    flags = _FLAGS.get(workflow.spec)
    if flags is None:
        found: set[str] = set()
        for spec in (workflow.spec, *workflow.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                props = spec_properties(task_spec)
                found.update(name for name in props if flag(props, name))
        flags = _FLAGS[workflow.spec] = frozenset(found)
    return flags


def properties(task: Task) -> dict[str, Any]:
    return spec_properties(task.task_spec)


def spec_properties(task_spec: Any) -> dict[str, Any]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
