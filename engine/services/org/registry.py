"""Units and their province: a unit belongs to exactly one province, and only a unit its
administrators registered (POST /units, `motcua org import`) receives dossiers or has
officers; an officer's position is one of the platform's or the province's
(GET /positions)."""
from __future__ import annotations

from engine.errors import InvalidInput
from engine.store import org
from engine.store.repository import Repository
from engine.store.uow import UnitOfWork

NOT_YOURS = "not a unit of your province"
NOT_REGISTERED = "not a registered unit of your province"


def registered_unit(repo: Repository, province: str, unit: str, *, field: str) -> None:
    """InvalidInput naming `field` unless `unit` is registered in `province`. A unit of
    another province gets the same answer as one that does not exist: a province must not
    learn another's units through this."""
    if repo.unit_province(unit) != province:
        raise InvalidInput(f"unit {unit} is {NOT_REGISTERED}",
                           errors=[{"field": field, "message": NOT_REGISTERED}])


UNKNOWN_POSITION = "not a position of your province (see GET /positions)"


def known_positions(uow: UnitOfWork, province: str,
                    named: list[tuple[str, str | None]]) -> None:
    """InvalidInput naming each (field, position) whose position is unknown in `province`."""
    unknown = org.unknown_positions(uow.session, province, [p for _, p in named if p])
    problems = [{"field": field, "message": UNKNOWN_POSITION}
                for field, position in named if position in unknown]
    if problems:
        raise InvalidInput(f"unknown position {', '.join(sorted(unknown))}", errors=problems)
