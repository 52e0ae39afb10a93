"""Who did it, as they were then: the actor an event of a dossier's history names.

An event names its actor by id and also by name, role, unit and position at the moment it
happened, so the record stands alone when principals are renamed, move or leave later.
Made from the caller the command already holds (its name and memberships): no query.
Events nobody caused (timers and clock crossings a worker fires) name the system.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.access.caller import Caller

Actor = dict[str, Any]
SYSTEM: Actor = {"id": None, "name": None, "role": "system", "unit": None, "position": None}


def actor_of(caller: Caller, unit: str | None = None, position: str | None = None) -> Actor:
    """The caller acting at `unit` in `position`; an officer acting at a unit without a
    position given acts in the lowest-named position held there. Without a unit: the
    principal's own unit and position."""
    if unit is None:
        unit, position = caller.unit, caller.position
    elif position is None and caller.role == "officer":
        position = min(caller.positions_at(unit), default=None)
    return {"id": caller.id, "name": caller.name, "role": caller.role, "unit": unit,
            "position": position}


def actor_at(caller: Caller, units: Iterable[str | None]) -> Actor:
    """The caller acting at the first of `units` they hold a membership of (an officer
    acting on a dossier: where it is, or where it was received); else as themselves."""
    if caller.role == "officer":
        for unit in units:
            if unit and caller.positions_at(unit):
                return actor_of(caller, unit)
        if caller.memberships:
            return actor_of(caller, *caller.memberships[0])
    return actor_of(caller)


def actor_in(event_payload: Any, actor_id: int | None) -> Actor | None:
    """The actor an event names: as recorded, or for an event recorded before actors were
    named, only the id it kept (None: the system)."""
    if isinstance(event_payload, dict) and isinstance(event_payload.get("actor"), dict):
        return dict(event_payload["actor"])
    return {"id": actor_id} if actor_id is not None else None
