"""The life cycle of process versions: which one new dossiers start on.

A version is `draft`, `active` or `retired`; a process has at most one active version in a
province (a partial unique index keeps it so under concurrent changes). Activating a version
retires the one active before it (a rollback is the activation of an older one); retiring the
active version leaves the process with none, and intake then refuses new dossiers naming it.
Dossiers already started continue on their own version whatever happens to it. Every change
of state is recorded: who, when, from and to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.access import Action, Caller, require
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.store.models import ProcessDefinition
from engine.store.models_versions import DefinitionTransition
from engine.store.repository import Repository
from engine.store.uow import IntegrityError, UnitOfWork

DRAFT, ACTIVE, RETIRED = "draft", "active", "retired"
STATES = (DRAFT, ACTIVE, RETIRED)
# Versions are numbered from 1 in a 32-bit column: a number outside that names none.
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class Transition:
    from_status: str | None
    to_status: str
    at: datetime
    by: int | None
    by_name: str | None
    reason: str | None


@dataclass(frozen=True)
class VersionView:
    """A stored version with the record of its states."""

    definition: ProcessDefinition
    transitions: list[Transition]
    running: int = 0
    created: bool = False
    scenarios: list[dict[str, Any]] | None = None

    def __getattr__(self, name: str) -> Any:  # the definition's columns, for the schemas
        return getattr(self.definition, name)


def record(uow: UnitOfWork, definition: ProcessDefinition, to_status: str, *, at: datetime,
           actor_id: int | None, reason: str | None = None,
           from_status: str | None = None) -> None:
    """Set the version's state and record the change (deployment: `from_status` None)."""
    uow.repo.add(DefinitionTransition(definition_id=definition.id, from_status=from_status,
                                      to_status=to_status, at=at, actor_id=actor_id,
                                      reason=reason))
    definition.status = to_status


def make_active(uow: UnitOfWork, definition: ProcessDefinition, *, at: datetime,
                actor_id: int | None, deployed: bool = False) -> None:
    """`definition` becomes the active version; the one active before it is retired.
    Raises IntegrityError when a concurrent change activated another version first."""
    for moved in uow.repo.step_down_active(definition.province, definition.key, RETIRED):
        if moved == definition.id:
            continue
        uow.repo.add(DefinitionTransition(
            definition_id=moved, from_status=ACTIVE, to_status=RETIRED, at=at,
            actor_id=actor_id, reason=f"version {definition.version} activated"))
    if deployed:  # a new row: its state is set as it is written
        definition.status = ACTIVE
        uow.repo.add(definition)
        uow.repo.flush()
        record(uow, definition, ACTIVE, at=at, actor_id=actor_id, reason="deployed")
    else:
        record(uow, definition, ACTIVE, at=at, actor_id=actor_id, from_status=definition.status,
               reason="activated")
    uow.repo.flush()


def activate(ctx: Context, caller: Caller, key: str, version: int) -> VersionView:
    """Make a version the one new dossiers start on (rolling back, when it is older)."""
    return _change(ctx, caller, key, version, ACTIVE)


def retire(ctx: Context, caller: Caller, key: str, version: int) -> VersionView:
    """Stop new dossiers on a version; those started on it continue."""
    return _change(ctx, caller, key, version, RETIRED)


def _change(ctx: Context, caller: Caller, key: str, version: int, to_status: str
            ) -> VersionView:
    require(caller, Action.DEFINITION_DEPLOY)
    _check_number(key, version)
    for _attempt in range(3):
        with ctx.uow() as uow:
            locked = uow.repo.lock_versions(caller.province, key)
            found = next((d for d in locked if d.version == version), None)
            if found is None:
                raise NotFound(f"no process definition {key} version {version}")
            if found.status == to_status:  # nothing to change: said again, it is the same
                return view(uow.repo, found)
            now = ctx.clock.now()
            try:
                if to_status == ACTIVE:
                    make_active(uow, found, at=now, actor_id=caller.id)
                else:
                    record(uow, found, RETIRED, at=now, actor_id=caller.id,
                           from_status=found.status, reason="retired")
                    uow.repo.flush()
                answer = view(uow.repo, found)
                uow.commit()
            except IntegrityError:
                continue  # another version was activated meanwhile: look again
            return answer
    raise InvalidInput("concurrent changes of this process's versions; retry")


def version_view(ctx: Context, caller: Caller, key: str, version: int) -> VersionView:
    require(caller, Action.DEFINITION_READ)
    _check_number(key, version)
    with ctx.uow(readonly=True) as uow:
        return view(uow.repo, _found(uow.repo, caller.province, key, version))


def views(repo: Repository, definitions: Sequence[ProcessDefinition]) -> list[VersionView]:
    """These versions with the record of their states and the number of dossiers still
    under way on each (three queries for any number of one province's versions)."""
    changes = repo.transitions([d.id for d in definitions])
    names = repo.principal_names([t.actor_id for ts in changes.values() for t in ts])
    running = (repo.running_counts(definitions[0].province, [d.id for d in definitions])
               if definitions else {})
    return [VersionView(d, [Transition(t.from_status, t.to_status, t.at, t.actor_id,
                                       names.get(t.actor_id) if t.actor_id else None, t.reason)
                            for t in changes[d.id]], running.get(d.id, 0))
            for d in definitions]


def view(repo: Repository, definition: ProcessDefinition) -> VersionView:
    return views(repo, [definition])[0]


def _found(repo: Repository, province: str, key: str, version: int) -> ProcessDefinition:
    found = repo.definition_version(province, key, version)
    if found is None:
        raise NotFound(f"no process definition {key} version {version}")
    return found


def _check_number(key: str, version: int) -> None:
    if not 1 <= version <= MAX_VERSION:
        raise NotFound(f"no process definition {key} version {version}")
