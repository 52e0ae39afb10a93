"""Element-level problems: collected during compilation, raised once as `BpmnInvalid`.

Every problem names the BPMN element (or uploaded file) at fault, so the modeller can click
on it; we collect as many as we can instead of stopping at the first.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import BpmnInvalid

# SpiffWorkflow's messages, reworded for a modeller (matched on their start).
_SPIFF_REWORDING = {
    "Multiple outgoing flows are not supported for tasks of type": (
        "has several outgoing sequence flows; draw an explicit parallel or exclusive gateway"
    ),
    "A Service Task must have an operator": (
        "service task without a spiffworkflow:serviceTaskOperator: this platform has no "
        "implementation to call"
    ),
    "Non-default exclusive outgoing sequence flow without condition": (
        "outgoing flow of a gateway without a condition and not marked as default"
    ),
}


class Problems:
    """An ordered, de-duplicated list of ``{"element": ..., "message": ...}``."""

    def __init__(self) -> None:
        self._items: list[dict[str, str]] = []

    def add(self, element: str | None, message: str) -> None:
        """Record that `element` (an id or file name) has the problem `message`."""
        item = {"element": element or "?", "message": message.strip() or "invalid"}
        if item not in self._items:
            self._items.append(item)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def items(self) -> list[dict[str, str]]:
        """A copy of the problems recorded so far."""
        return list(self._items)

    def raise_if_any(self, filename: str) -> None:
        """Raise `BpmnInvalid` carrying every recorded problem, if there is one."""
        if not self._items:
            return
        first = self._items[0]
        more = f" (and {len(self._items) - 1} more)" if len(self._items) > 1 else ""
        raise BpmnInvalid(
            f"{filename} cannot be deployed: {first['element']}: {first['message']}{more}",
            errors=self.items,
        )


def spiff_exception_element(exc: BaseException) -> str | None:
    """Dig the BPMN element id out of whatever SpiffWorkflow raised."""
    for attr in ("id", "bpmn_id"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and value:
            return value
    node: Any = getattr(exc, "node", None)
    if node is not None and hasattr(node, "get") and node.get("id"):
        return str(node.get("id"))
    task_spec: Any = getattr(exc, "task_spec", None)
    if task_spec is not None and getattr(task_spec, "bpmn_id", None):
        return str(task_spec.bpmn_id)
    return None


def spiff_exception_message(exc: BaseException) -> str:
    """A one-line message for a SpiffWorkflow exception, without its decorations."""
    raw = str(exc.args[0]) if exc.args else str(exc)
    raw = re.sub(r"\s+", " ", raw).strip().rstrip(".")
    for prefix, better in _SPIFF_REWORDING.items():
        if raw.startswith(prefix):
            return better
    if type(exc).__name__ != "ValidationException":
        return f"SpiffWorkflow cannot parse this element: {type(exc).__name__}: {raw}"
    return raw or type(exc).__name__
