"""The access policy: what each kind of principal may do, decided here and nowhere else.

Roles (API.md): designers deploy processes and keep procedures and calendars; officers work
the tasks of their own unit and position; clients (integrating systems) start dossiers and
act only on the dossiers they started; auditors read everything of their province and change
nothing; admins manage principals, units and calendars. Everyone sees their own province only.

Two rules hold everywhere:
- an officer without both a unit and a position may do nothing at all (never everything);
- applicants' data (dossiers, their history and tasks) is for the client that started the
  dossier, the officers of the units it passes through, and auditors; not for designers or
  admins.

Outside their scope a dossier or task does not exist for a caller (NotFound, not Forbidden):
a client must not learn which codes another client's dossiers have.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from engine.access.caller import Caller
from engine.errors import Forbidden, NotFound


class Action(StrEnum):
    DEFINITION_READ = "read process definitions"
    DEFINITION_DEPLOY = "deploy process definitions"
    PROCEDURE_READ = "read procedures"
    PROCEDURE_WRITE = "change procedures"
    CALENDAR_READ = "read calendars"
    CALENDAR_WRITE = "change calendars"
    DOSSIER_START = "start dossiers"
    DOSSIER_READ = "read dossiers"
    DOSSIER_HISTORY = "read dossier history"
    DOSSIER_MESSAGE = "deliver messages to dossiers"
    DOSSIER_APOLOGY = "apologise for late dossiers"
    DOSSIER_DOCUMENTS = "read the documents of dossiers"
    TASK_READ = "read tasks"
    TASK_COMPLETE = "complete tasks"
    PRINCIPAL_READ = "read principals"
    PRINCIPAL_WRITE = "manage principals"
    UNIT_READ = "read units"
    UNIT_WRITE = "manage units"


_EVERYONE = frozenset({"designer", "officer", "client", "auditor", "admin"})
_DOSSIER_READERS = frozenset({"client", "officer", "auditor"})
ROLES_FOR: dict[Action, frozenset[str]] = {
    Action.DEFINITION_READ: _EVERYONE,
    Action.DEFINITION_DEPLOY: frozenset({"designer", "admin"}),
    Action.PROCEDURE_READ: _EVERYONE,
    Action.PROCEDURE_WRITE: frozenset({"designer", "admin"}),
    Action.CALENDAR_READ: _EVERYONE,
    Action.CALENDAR_WRITE: frozenset({"designer", "admin"}),
    Action.DOSSIER_START: frozenset({"client", "officer"}),
    Action.DOSSIER_READ: _DOSSIER_READERS,
    Action.DOSSIER_HISTORY: frozenset({"client", "officer", "auditor"}),
    Action.DOSSIER_MESSAGE: frozenset({"client", "officer"}),
    Action.DOSSIER_APOLOGY: frozenset({"officer"}),
    # A dossier's documents (its receipt first) are for exactly those who may read it.
    Action.DOSSIER_DOCUMENTS: _DOSSIER_READERS,
    Action.TASK_READ: frozenset({"officer", "auditor"}),
    Action.TASK_COMPLETE: frozenset({"officer"}),
    Action.PRINCIPAL_READ: frozenset({"admin", "auditor"}),
    Action.PRINCIPAL_WRITE: frozenset({"admin"}),
    Action.UNIT_READ: _EVERYONE,
    Action.UNIT_WRITE: frozenset({"admin"}),
}


def allow(caller: Caller, action: Action) -> bool:
    """May this caller do this kind of thing at all (before looking at any resource)?"""
    if caller.role not in ROLES_FOR[action]:
        return False
    return caller.role != "officer" or bool(caller.memberships)


def require(caller: Caller, action: Action) -> None:
    """Raise Forbidden unless `allow(caller, action)`."""
    if allow(caller, action):
        return
    if caller.role == "officer" and not caller.memberships:
        raise Forbidden("an officer needs both a unit and a position to do anything; "
                        "ask an administrator to set them")
    roles = sorted(ROLES_FOR[action])
    raise Forbidden(f"to {action.value} needs the role {' or '.join(roles)}; "
                    f"you are {caller.role}")


@dataclass(frozen=True)
class DossierScope:
    """Which dossiers of the province a query may return: all, those a client started, or
    those that one of the officer's units received or holds a task of."""

    client_id: int | None = None
    units: tuple[str, ...] | None = None


def dossier_scope(caller: Caller, action: Action = Action.DOSSIER_READ) -> DossierScope:
    require(caller, action)
    if caller.role == "client":
        return DossierScope(client_id=caller.id)
    if caller.role == "officer":
        return DossierScope(units=tuple(sorted(caller.units)))
    return DossierScope()


class DossierLike(Protocol):
    @property
    def province(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def client_id(self) -> int | None: ...


def may_see_dossier(caller: Caller, dossier: DossierLike, task_units: Collection[str],
                    action: Action = Action.DOSSIER_READ) -> bool:
    """`task_units`: the units holding a task of the dossier (asked only for officers)."""
    if not allow(caller, action) or dossier.province != caller.province:
        return False
    if caller.role == "client":
        return dossier.client_id == caller.id
    if caller.role == "officer":
        return dossier.unit in caller.units or not caller.units.isdisjoint(task_units)
    return True


def see_dossier(caller: Caller, dossier: DossierLike, task_units: Collection[str],
                action: Action = Action.DOSSIER_READ) -> None:
    """Raise Forbidden for a caller who may not do `action` at all, NotFound for a dossier
    outside the caller's scope."""
    require(caller, action)
    if not may_see_dossier(caller, dossier, task_units, action):
        raise NotFound(f"no dossier {dossier.code}")


class TaskLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def province(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def position(self) -> str | None: ...


def may_work_task(caller: Caller, task: TaskLike, action: Action) -> bool:
    """An officer's task: one of the officer's memberships has the task's unit and its
    position (a task without a lane is for any position of its unit). Auditors read every
    task of their province."""
    if not allow(caller, action) or task.province != caller.province:
        return False
    if caller.role == "officer":
        return position_for(caller, task) is not None
    return True


def position_for(caller: Caller, task: TaskLike) -> str | None:
    """The position in which the caller works the task (None: none of theirs)."""
    positions = caller.positions_at(task.unit or "")
    if task.position is None:
        return min(positions, default=None)
    return task.position if task.position in positions else None


def work_task(caller: Caller, task: TaskLike, action: Action) -> None:
    require(caller, action)
    if not may_work_task(caller, task, action):
        raise NotFound(f"no task {task.id}")


def apology_positions_allow(caller: Caller, unit: str, allowed: Collection[str]) -> bool:
    """The procedure may name the positions that apologise (form 04); none named: any
    position of the unit."""
    held = caller.positions_at(unit)
    return bool(held) and (not allowed or not held.isdisjoint(allowed))
