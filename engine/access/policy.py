"""The access policy: what each kind of principal may do, decided here and nowhere else.

Roles (API.md): designers deploy processes and keep procedures and calendars; officers work
the tasks of their own unit and position; clients (integrating systems) start dossiers and
act only on the dossiers they started or were granted (by the client that started one, or
an administrator); auditors read everything of their province and change
nothing; admins manage principals, units and calendars. Everyone sees their own province only.

Two rules hold everywhere:
- an officer without both a unit and a position may do nothing at all (never everything);
- applicants' data (dossiers, their history and tasks) is for the client that started the
  dossier, the officers of the units it passes through, and auditors; not for designers or
  admins (who repair what a diagram stopped: they set keys of a dossier's data, and read
  incidents, whose error messages may quote it).

Outside their scope a dossier or task does not exist for a caller (NotFound, not Forbidden):
a client must not learn which codes another client's dossiers have.

The public (no token) sees one dossier at a time, and only with the proof of being its
applicant (`outside.applicant_proves`): its status, appointment and the notices addressed
to them. `outside.py` also decides webhook subscriptions and who submits a dossier's papers.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from engine.access.caller import Caller
from engine.errors import Forbidden, HeldByAnother, NotFound, TaskHeld


class Action(StrEnum):
    DEFINITION_READ = "read process definitions"
    DEFINITION_DEPLOY = "deploy process definitions"
    DEFINITION_MIGRATE = "move running dossiers to another version"
    PROCEDURE_READ = "read procedures"
    PROCEDURE_WRITE = "change procedures"
    CALENDAR_READ = "read calendars"
    CALENDAR_WRITE = "change calendars"
    DOSSIER_START = "start dossiers"
    DOSSIER_READ = "read dossiers"
    DOSSIER_HISTORY = "read dossier history"
    DOSSIER_MESSAGE = "deliver messages to dossiers"
    DOSSIER_APOLOGY = "apologise for late dossiers"
    DOSSIER_END = "withdraw dossiers or stop their processing"
    DOSSIER_SUPPLEMENT = "deliver an applicant's supplement"
    DOSSIER_DOCUMENTS = "read the documents of dossiers"
    DOSSIER_GRANT = "grant other clients a dossier"
    DOSSIER_GRANTS_READ = "read which clients are granted a dossier"
    DOSSIER_SUBMIT = "submit documents to dossiers"
    TASK_READ = "read tasks"
    TASK_COMPLETE = "complete tasks"
    TASK_CLAIM = "claim tasks"
    TASK_RELEASE = "release tasks"
    TASK_ASSIGN = "assign tasks"
    PRINCIPAL_READ = "read principals"
    PRINCIPAL_WRITE = "manage principals"
    UNIT_READ = "read units"
    UNIT_WRITE = "manage units"
    DOSSIER_RATE = "rate the service on an applicant's behalf"
    INCIDENT_READ = "read incidents"
    INCIDENT_RETRY = "retry incidents"
    DOSSIER_REPAIR = "repair the data of dossiers"
    SUBSCRIPTION_MANAGE = "subscribe to webhooks"
    TRACKING_BOOK = "read units' tracking books"


_EVERYONE = frozenset({"designer", "officer", "client", "auditor", "admin"})
_DOSSIER_READERS = frozenset({"client", "officer", "auditor"})
ROLES_FOR: dict[Action, frozenset[str]] = {
    Action.DEFINITION_READ: _EVERYONE,
    Action.DEFINITION_DEPLOY: frozenset({"designer", "admin"}),
    Action.DEFINITION_MIGRATE: frozenset({"designer", "admin"}),
    Action.PROCEDURE_READ: _EVERYONE,
    Action.PROCEDURE_WRITE: frozenset({"designer", "admin"}),
    Action.CALENDAR_READ: _EVERYONE,
    Action.CALENDAR_WRITE: frozenset({"designer", "admin"}),
    Action.DOSSIER_START: frozenset({"client", "officer"}),
    Action.DOSSIER_READ: _DOSSIER_READERS,
    Action.DOSSIER_HISTORY: frozenset({"client", "officer", "auditor"}),
    Action.DOSSIER_MESSAGE: frozenset({"client", "officer"}),
    Action.DOSSIER_APOLOGY: frozenset({"officer"}),
    Action.DOSSIER_END: frozenset({"client", "officer"}),
    Action.DOSSIER_SUPPLEMENT: frozenset({"client", "officer"}),
    # A dossier's documents (its receipt first) are for exactly those who may read it.
    Action.DOSSIER_DOCUMENTS: _DOSSIER_READERS,
    # The client that started a dossier shares it; an administrator may for any dossier of
    # the province (without reading it), an auditor sees who was granted what.
    Action.DOSSIER_GRANT: frozenset({"client", "admin"}),
    Action.DOSSIER_GRANTS_READ: frozenset({"client", "admin", "auditor"}),
    # The applicant's papers come through the client that started the dossier or the
    # officer holding it (who also uploads the result): see `may_submit_document`.
    Action.DOSSIER_SUBMIT: frozenset({"client", "officer"}),
    Action.TASK_READ: frozenset({"officer", "auditor"}),
    Action.TASK_COMPLETE: frozenset({"officer"}),
    Action.TASK_CLAIM: frozenset({"officer"}),
    Action.TASK_RELEASE: frozenset({"officer"}),
    Action.TASK_ASSIGN: frozenset({"officer"}),
    Action.PRINCIPAL_READ: frozenset({"admin", "auditor"}),
    Action.PRINCIPAL_WRITE: frozenset({"admin"}),
    Action.UNIT_READ: _EVERYONE,
    Action.UNIT_WRITE: frozenset({"admin"}),
    # The portal that started the dossier, or the tablet at the receiving unit's desk.
    Action.DOSSIER_RATE: frozenset({"client", "officer"}),
    # Where a diagram failed: for those who deploy diagrams, who repair and retry (the
    # keys a repair sets are theirs to see; the rest of the applicant's data is not).
    Action.INCIDENT_READ: frozenset({"designer", "admin"}),
    Action.INCIDENT_RETRY: frozenset({"designer", "admin"}),
    Action.DOSSIER_REPAIR: frozenset({"designer", "admin"}),
    # Integrating systems subscribe to their dossiers' events; administrators to a
    # procedure's or process's (see may_subscribe_to).
    Action.SUBSCRIPTION_MANAGE: frozenset({"client", "admin"}),
    # Form 07, the register a unit keeps of its dossiers: its own officers, the province's
    # auditors, and administrators (who see no applicant in it).
    Action.TRACKING_BOOK: frozenset({"officer", "auditor", "admin"}),
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
    """Which dossiers of the province a query may return: all, those a principal started or
    was granted (`client_id`), those that one of the officer's units received or holds a
    task of (`units`), or both."""

    client_id: int | None = None
    units: tuple[str, ...] | None = None


def dossier_scope(caller: Caller, action: Action = Action.DOSSIER_READ, *,
                  mine: bool = False) -> DossierScope:
    """`mine`: only the caller's own dossiers, those they started or were granted (always
    so for a client)."""
    require(caller, action)
    own = caller.id if mine or caller.role == "client" else None
    if caller.role == "officer":
        return DossierScope(client_id=own, units=tuple(sorted(caller.units)))
    return DossierScope(client_id=own)


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
                    action: Action = Action.DOSSIER_READ, *, granted: bool = False) -> bool:
    """`task_units`: the units holding a task of the dossier (asked only for officers);
    `granted`: the dossier is granted to the caller (asked only for clients)."""
    if not allow(caller, action) or dossier.province != caller.province:
        return False
    if caller.role == "client":
        return dossier.client_id == caller.id or granted
    if caller.role == "officer":
        return dossier.unit in caller.units or not caller.units.isdisjoint(task_units)
    return True


def see_dossier(caller: Caller, dossier: DossierLike, task_units: Collection[str],
                action: Action = Action.DOSSIER_READ, *, granted: bool = False) -> None:
    """Raise Forbidden for a caller who may not do `action` at all, NotFound for a dossier
    outside the caller's scope."""
    require(caller, action)
    if not may_see_dossier(caller, dossier, task_units, action, granted=granted):
        raise NotFound(f"no dossier {dossier.code}")


def needs_grant_lookup(caller: Caller, dossier: DossierLike) -> bool:
    """Whether a client's access to the dossier rests on a grant (to be looked up)."""
    return caller.role == "client" and dossier.client_id != caller.id


def manage_grants(caller: Caller, dossier: DossierLike, action: Action, *,
                  granted: bool = False) -> None:
    """Grants of a dossier: made and withdrawn by the client that started it or an
    administrator of its province, read by those and by auditors. NotFound for a dossier a
    client does not see; Forbidden for a client it was only granted to."""
    require(caller, action)
    if dossier.province != caller.province:
        raise NotFound(f"no dossier {dossier.code}")
    if caller.role != "client":
        return
    if dossier.client_id != caller.id:
        if not granted:
            raise NotFound(f"no dossier {dossier.code}")
        raise Forbidden("only the client that started the dossier, or an administrator, "
                        "grants it to other clients")


# Positions that lead a unit: they see every task of it, assign them (phân công) and
# release them, whoever holds them.
SUPERVISING_POSITIONS = frozenset({"head_of_department", "leader"})


class TaskLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def province(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def position(self) -> str | None: ...
    @property
    def holder_id(self) -> int | None: ...


def supervises(caller: Caller, unit: str | None) -> bool:
    """The caller is a head of department or leader of the unit."""
    return not caller.positions_at(unit or "").isdisjoint(SUPERVISING_POSITIONS)


def holds(caller: Caller, task: TaskLike) -> bool:
    """The caller holds the task and is still an officer of its unit (a holder moved to
    another unit works it no more: a head releases or reassigns it)."""
    return task.holder_id == caller.id and bool(caller.positions_at(task.unit or ""))


def may_work_task(caller: Caller, task: TaskLike, action: Action) -> bool:
    """Whether the task exists for the caller. An officer's tasks: those of a membership's
    unit and position (a task without a lane is for any position of its unit), those the
    officer holds, and every task of a unit the officer leads. Auditors read every task of
    their province. What the caller may then do with it: `task_refusal`."""
    if not allow(caller, action) or task.province != caller.province:
        return False
    if caller.role == "officer":
        return (position_for(caller, task) is not None or holds(caller, task)
                or supervises(caller, task.unit))
    return True


def position_for(caller: Caller, task: TaskLike) -> str | None:
    """The position in which the caller works the task (None: none of theirs)."""
    positions = caller.positions_at(task.unit or "")
    if task.position is None:
        return min(positions, default=None)
    return task.position if task.position in positions else None


def acting_position(caller: Caller, task: TaskLike) -> str | None:
    """The position recorded for the caller's work on the task: its lane's, else (a task
    assigned outside the holder's lane) the holder's own position at the unit."""
    return position_for(caller, task) or min(caller.positions_at(task.unit or ""), default=None)


def task_refusal(caller: Caller, task: TaskLike, action: Action) -> Forbidden | TaskHeld | None:
    """Why the caller, who sees the task, may not do `action` on it (None: they may).

    - complete: a held task only by its holder; an unheld one by an officer of its lane;
    - claim: an unheld task (or one already theirs) by an officer of its lane; a task held
      by someone else is a conflict;
    - release: by its holder, or by a head of department or leader of its unit;
    - assign: by a head of department or leader of its unit;
    - read: whoever sees it.
    """
    if caller.role != "officer" or action is Action.TASK_READ:
        return None
    if action is Action.TASK_ASSIGN:
        if supervises(caller, task.unit):
            return None
        return Forbidden(f"assigning a task of unit {task.unit} needs the position "
                         f"{' or '.join(sorted(SUPERVISING_POSITIONS))} there")
    held_by_other = task.holder_id is not None and task.holder_id != caller.id
    if action is Action.TASK_RELEASE:
        if not held_by_other or supervises(caller, task.unit):
            return None
        return HeldByAnother(f"task {task.id} is held by another officer: only they, or a "
                             "head of department or leader of the unit, may release it")
    if holds(caller, task):
        return None
    if position_for(caller, task) is None:
        verb = "claim" if action is Action.TASK_CLAIM else "complete"
        return Forbidden(f"only an officer in the position {task.position} may {verb} "
                         f"task {task.id}, or one it is assigned to")
    if held_by_other:
        if action is Action.TASK_CLAIM:
            return TaskHeld(f"task {task.id} is already held by another officer")
        return HeldByAnother(f"task {task.id} is held by another officer: only they may "
                             "complete it")
    return None


class TaskScope(NamedTuple):
    """The tasks an officer sees: those of their `memberships` (unit, position), those
    they hold (`principal_id`), and every task of the units they lead (`supervised`)."""

    principal_id: int
    memberships: tuple[tuple[str, str], ...]
    supervised: tuple[str, ...]


def task_scope(caller: Caller) -> TaskScope | None:
    """Which tasks of the province a list may return (None: all of them)."""
    require(caller, Action.TASK_READ)
    if caller.role != "officer":
        return None
    return TaskScope(caller.id, caller.memberships,
                     tuple(sorted(u for u in caller.units if supervises(caller, u))))


def work_task(caller: Caller, task: TaskLike, action: Action) -> None:
    """Raise Forbidden for a caller who may not do `action` at all, NotFound for a task
    outside the caller's scope, and the refusal of `task_refusal` for one they see."""
    require(caller, action)
    if not may_work_task(caller, task, action):
        raise NotFound(f"no task {task.id}")
    refusal = task_refusal(caller, task, action)
    if refusal is not None:
        raise refusal


def read_tracking_book(caller: Caller, unit: str) -> bool:
    """Raise Forbidden unless the caller may read the tracking book of `unit` (a unit of
    their province: the caller already found it); returns whether the book shows the
    applicants (names, addresses): not to administrators, who keep principals and units,
    not applicants' data."""
    require(caller, Action.TRACKING_BOOK)
    if caller.role == "officer" and not caller.positions_at(unit):
        raise Forbidden(f"the tracking book of unit {unit} is for its own officers")
    return caller.role != "admin"


def apology_positions_allow(caller: Caller, unit: str, allowed: Collection[str]) -> bool:
    """The procedure may name the positions that apologise (form 04); none named: any
    position of the unit."""
    held = caller.positions_at(unit)
    return bool(held) and (not allowed or not held.isdisjoint(allowed))


def may_end_dossier(caller: Caller, dossier: DossierLike, kind: str) -> None:
    """Form 05: the applicant withdraws a dossier (through the client that started it, or at
    the receiving unit's desk); the units handling it stop its processing. Raises Forbidden
    otherwise (the caller already passed `see_dossier` for DOSSIER_END)."""
    if kind == "withdrawn":
        at_the_desk(caller, dossier, "an applicant withdraws a dossier")
    if kind == "stopped" and caller.role != "officer":
        raise Forbidden("only the units handling a dossier stop its processing")


def at_the_desk(caller: Caller, dossier: DossierLike, what: str) -> None:
    """What the applicant does (withdraw, bring a supplement) comes through the client that
    started the dossier (already checked by `see_dossier`) or the desk of the unit that
    received it: Forbidden for an officer of any other unit."""
    if caller.role == "officer" and dossier.unit not in caller.units:
        raise Forbidden(f"{what} at the unit that received it")
