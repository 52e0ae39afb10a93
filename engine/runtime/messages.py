"""The messages a deployed process can ever catch: a message no element waits for is
refused at once, instead of being kept for a process that will never take it."""
from __future__ import annotations

import weakref
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

_NAMES: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()


def caught_messages(spec: Any, subprocess_specs: dict[str, Any]) -> frozenset[str]:
    """Names of the messages an intermediate or boundary event or a receive task of the
    process (or of its sub-processes) catches; start events do not count (a running
    dossier is past them). Worked out once per spec."""
    found = _NAMES.get(spec)
    if found is None:
        names = set()
        for s in (spec, *subprocess_specs.values()):
            for ts in s.task_specs.values():
                if not isinstance(ts, CatchingEvent) or isinstance(ts, StartEvent):
                    continue
                definition = ts.event_definition
                for inner in getattr(definition, "event_definitions", [definition]):
                    if isinstance(inner, MessageEventDefinition):
                        names.add(inner.name)
        found = _NAMES[spec] = frozenset(names)
    return found
