"""Units and their province: a unit belongs to exactly one province, and only a unit its
administrators registered (POST /units, `motcua org import`) receives dossiers or has
officers."""
from __future__ import annotations

from engine.errors import InvalidInput
from engine.store.repository import Repository

NOT_YOURS = "not a unit of your province"
NOT_REGISTERED = "not a registered unit of your province"


def registered_unit(repo: Repository, province: str, unit: str, *, field: str) -> None:
    """InvalidInput naming `field` unless `unit` is registered in `province`. A unit of
    another province gets the same answer as one that does not exist: a province must not
    learn another's units through this."""
    if repo.unit_province(unit) != province:
        raise InvalidInput(f"unit {unit} is {NOT_REGISTERED}",
                           errors=[{"field": field, "message": NOT_REGISTERED}])
