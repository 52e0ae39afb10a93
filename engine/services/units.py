"""Units and their province: a unit belongs to exactly one province.

Until administrators register units (with their official codes and parents), a unit belongs
to the province of the first principal or dossier that named it; after that, no other
province may receive dossiers at it or give it to a principal.
"""
from __future__ import annotations

from datetime import datetime

from engine.errors import InvalidInput
from engine.store.repository import Repository

NOT_YOURS = "not a unit of your province"


def claim_unit(repo: Repository, province: str, unit: str, now: datetime, *,
               field: str) -> None:
    """Make sure `unit` is a unit of `province` (recording it if no province has it yet);
    InvalidInput naming `field` otherwise. The owner is not named: a province must not learn
    another's units through this."""
    if repo.claim_unit(unit, province, now) != province:
        raise InvalidInput(f"unit {unit} is {NOT_YOURS}",
                           errors=[{"field": field, "message": NOT_YOURS}])
