"""Routing a dossier's tasks across units (liên thông): which unit's inbox a new task goes
to, and the hand-over recorded whenever the dossier moves to another unit."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.errors import InvalidInput
from engine.org.routes import HANDLING, RECEIVING, is_field
from engine.runtime.reports import UserTask
from engine.store.records import DossierRow


def task_unit(view: UserTask, dossier: DossierRow, data: dict[str, Any],
              province_of: Callable[[str], str | None]) -> str:
    """The unit of a task now waiting. A unit named by the diagram or by the dossier's data
    must be registered in the dossier's province; otherwise the command is refused
    (InvalidInput naming the task, or the data field that chose the unit)."""
    spec = (view.unit or "").strip()
    handling = str(dossier.handling_unit or dossier.unit)
    if spec in ("", HANDLING):
        return handling
    if spec == RECEIVING:
        return str(dossier.unit)
    if not is_field(spec):
        unit, field = spec, f"{view.element_id}.unit"
    else:
        value: Any = data
        for part in spec.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        field = "/data/" + spec.replace(".", "/")
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"task {view.element_id} goes to the unit named by {spec}, "
                               "which names none", errors=[
                                   {"field": field, "message": "must name a registered unit"}])
        unit = value
    if unit != handling and unit != dossier.unit and province_of(unit) != dossier.province:
        raise InvalidInput(f"task {view.element_id} goes to unit {unit}, not a registered "
                           "unit of the province", errors=[
                               {"field": field, "message": "not a registered unit of the "
                                                          "province"}])
    return unit
