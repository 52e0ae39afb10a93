"""The province's unit registry: list, read, register and change units; kinds of unit.

A unit named by a principal or a dossier before it was registered is listed with
`registered: false`; registering it (POST with its code) fills in its name, kind and parent.
Another province's unit does not exist for the caller: registering its code answers as for a
code of no province of the caller's (422 naming `code`), so the owner is never revealed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.access import Action, Caller, require
from engine.errors import InvalidInput, NotFound, UnitExists
from engine.org.units import code_problems, field_problems, parent_problems
from engine.services.context import Context
from engine.services.org.registry import NOT_YOURS
from engine.store import org
from engine.store.models import Position, Unit, UnitKind
from engine.store.uow import UnitOfWork

MAX_KIND_CODE = 50
MAX_POSITION_CODE = 100


def list_units(ctx: Context, caller: Caller, *, limit: int, offset: int,
               **filters: Any) -> tuple[int, list[dict[str, Any]]]:
    require(caller, Action.UNIT_READ)
    with ctx.uow(readonly=True) as uow:
        levels = _levels(uow, caller.province)
        total, rows = org.units(uow.session, caller.province, limit=limit, offset=offset,
                                **filters)
        return total, [_view(row, levels) for row in rows]


def get_unit(ctx: Context, caller: Caller, code: str) -> dict[str, Any]:
    require(caller, Action.UNIT_READ)
    with ctx.uow(readonly=True) as uow:
        return _view(_own(uow, caller, code), _levels(uow, caller.province))


def workplaces(ctx: Context, callers: list[Caller]) -> list[tuple[str | None, str | None]]:
    """The registered names of each caller's own position and unit (None where not
    registered), to say whom a page is for, in one read; nothing else of the registry is
    read."""
    found = []
    with ctx.uow(readonly=True) as uow:
        for caller in callers:
            position = None
            if caller.position:  # the province's own position, else the platform's
                position = org.position(uow.session, caller.province, caller.position) \
                    or org.position(uow.session, org.PLATFORM, caller.position)
            unit = org.unit(uow.session, caller.unit) if caller.unit else None
            found.append((position.name if position is not None else None,
                          unit.name if unit is not None and unit.province == caller.province
                          else None))
    return found


def register_unit(ctx: Context, caller: Caller, body: dict[str, Any]
                  ) -> tuple[dict[str, Any], bool]:
    """Register a unit of the caller's province. Returns (unit, created): False when the
    unit was already known from a principal or dossier naming it."""
    require(caller, Action.UNIT_WRITE)
    code = body["code"]
    problems = code_problems(code)
    with ctx.uow() as uow:
        levels = _levels(uow, caller.province)
        problems += field_problems(body, levels)
        row = org.unit(uow.session, code, lock=True)
        if row is not None and row.province != caller.province:
            problems.append({"field": "code", "message": NOT_YOURS})
        elif row is not None and row.registered_at is not None:
            raise UnitExists(f"unit {code} is already registered; change it with PATCH")
        problems += parent_problems(code, body.get("parent"), parent_lookup(uow, caller.province))
        if problems:
            raise InvalidInput(f"unit {code} cannot be registered", errors=problems)
        now = ctx.clock.now()
        created = row is None
        if row is None:
            row = Unit(code=code, province=caller.province, created_at=now)
            uow.repo.add(row)
        row.name, row.kind, row.parent = body["name"], body["kind"], body.get("parent")
        row.registered_at = row.updated_at = now
        row.updated_by = caller.id
        uow.commit()
        return _view(row, levels), created


def change_unit(ctx: Context, caller: Caller, code: str, changes: dict[str, Any]
                ) -> dict[str, Any]:
    """Change a registered unit's name, kind or parent (`parent: null`: a top unit)."""
    require(caller, Action.UNIT_WRITE)
    with ctx.uow() as uow:
        row = _own(uow, caller, code, lock=True)
        if row.registered_at is None:
            raise InvalidInput(f"unit {code} is not registered yet; register it with POST",
                               errors=[{"field": "code", "message": "not registered"}])
        levels = _levels(uow, caller.province)
        problems = field_problems(changes, levels)
        if "parent" in changes:
            problems += parent_problems(code, changes["parent"],
                                        parent_lookup(uow, caller.province))
        if problems:
            raise InvalidInput(f"unit {code} cannot be changed", errors=problems)
        for name in ("name", "kind", "parent"):
            if name in changes:
                setattr(row, name, changes[name])
        row.updated_at = ctx.clock.now()
        row.updated_by = caller.id
        uow.commit()
        return _view(row, levels)


def list_kinds(ctx: Context, caller: Caller) -> list[dict[str, Any]]:
    require(caller, Action.UNIT_READ)
    with ctx.uow(readonly=True) as uow:
        return [_kind_view(k) for k in org.kinds(uow.session, caller.province)]


def put_kind(ctx: Context, caller: Caller, code: str, body: dict[str, Any]
             ) -> tuple[dict[str, Any], bool]:
    """Add or change a kind of unit of the caller's province (the platform's kinds are
    shadowed, never changed, by a province's kind of the same code)."""
    require(caller, Action.UNIT_WRITE)
    if len(code) > MAX_KIND_CODE or not code.replace("_", "").isalnum() or not code.isascii():
        raise InvalidInput("invalid kind code", errors=[{
            "field": "code", "message": f"letters, digits and _ only, at most {MAX_KIND_CODE}"}])
    with ctx.uow() as uow:
        row = org.kind(uow.session, caller.province, code)
        created = row is None
        if row is None:
            row = UnitKind(province=caller.province, code=code, name=body["name"],
                           level=body["level"])
            uow.repo.add(row)
        row.name, row.level = body["name"], body["level"]
        uow.commit()
        return _kind_view(row), created


def list_positions(ctx: Context, caller: Caller) -> list[dict[str, Any]]:
    require(caller, Action.UNIT_READ)
    with ctx.uow(readonly=True) as uow:
        return [_position_view(p) for p in org.positions(uow.session, caller.province)]


def put_position(ctx: Context, caller: Caller, code: str, body: dict[str, Any]
                 ) -> tuple[dict[str, Any], bool]:
    """Add or rename a position of the caller's province (a platform position of the same
    code is shadowed, never changed)."""
    require(caller, Action.UNIT_WRITE)
    if len(code) > MAX_POSITION_CODE or not code.replace("_", "").isalnum() \
            or not code.isascii():
        raise InvalidInput("invalid position code", errors=[{
            "field": "code",
            "message": f"letters, digits and _ only, at most {MAX_POSITION_CODE}"}])
    with ctx.uow() as uow:
        row = org.position(uow.session, caller.province, code)
        created = row is None
        if row is None:
            row = Position(province=caller.province, code=code, name=body["name"])
            uow.repo.add(row)
        row.name = body["name"]
        uow.commit()
        return _position_view(row), created


def _position_view(p: Position) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "platform": p.province == org.PLATFORM}


def _own(uow: UnitOfWork, caller: Caller, code: str, *, lock: bool = False) -> Unit:
    row = org.unit(uow.session, code, lock=lock)
    if row is None or row.province != caller.province:
        raise NotFound(f"no unit {code}")
    return row


def _levels(uow: UnitOfWork, province: str) -> dict[str, str]:
    return {k.code: k.level for k in org.kinds(uow.session, province)}


def parent_lookup(uow: UnitOfWork, province: str) -> Callable[[str], str | None | bool]:
    """`parent_of` for `engine.org.units.parent_problems`, reading the province's units."""
    def parent_of(code: str) -> str | None | bool:
        row = org.unit(uow.session, code)
        if row is None or row.province != province or row.registered_at is None:
            return False
        return row.parent
    return parent_of


def _view(row: Unit, levels: dict[str, str]) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "kind": row.kind,
            "level": levels.get(row.kind or ""), "parent": row.parent,
            "registered": row.registered_at is not None, "registered_at": row.registered_at,
            "created_at": row.created_at}


def _kind_view(row: UnitKind) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "level": row.level,
            "platform": row.province == org.PLATFORM}
