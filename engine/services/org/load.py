"""`motcua org import`: load a province's units and principals from files in ONE transaction.

Units are registered or updated by code (so the official list can be loaded again after it
changes); parents may come later in the files than their children. Principals are created,
each with a new token that is returned once. Every row is checked; if any is wrong, nothing
is stored and every fault is reported with its file and line.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.errors import InvalidInput
from engine.org.files import Row
from engine.org.units import code_problems, field_problems, parent_problems
from engine.services.context import Context
from engine.services.org.auth import ROLES, hash_token, new_token
from engine.services.org.registry import NOT_REGISTERED, NOT_YOURS, UNKNOWN_POSITION
from engine.services.org.units import parent_lookup
from engine.store import org
from engine.store.models import Principal, Unit, max_length

_LONGEST = {name: max_length(Principal.__table__.c[name])
            for name in ("name", "unit", "position")}


@dataclass(frozen=True)
class Loaded:
    units_registered: int
    units_updated: int
    principals: list[tuple[str, int, str, str]]  # (where, id, name, token)


def load(ctx: Context, province: str, rows: Sequence[Row],
         progress: Callable[[int], None] = lambda n: None) -> Loaded:
    """Store `rows` for `province`; `progress(n)` is called as rows are done."""
    if not province.strip():
        raise InvalidInput("a province is needed",
                           errors=[{"field": "province", "message": "must not be empty"}])
    problems: list[dict[str, str]] = []
    with ctx.uow() as uow:
        now = ctx.clock.now()
        units = [r for r in rows if r.kind == "unit"]
        levels = {k.code: k.level for k in org.kinds(uow.session, province)}
        seen: dict[str, str] = {}
        registered = updated = 0
        placed: list[tuple[Row, Unit]] = []
        for row in units:
            code = row.fields.get("code") or ""
            found = _unit_problems(row, code, levels, seen)
            stored = org.unit(uow.session, code, lock=True) if not found else None
            if stored is not None and stored.province != province:
                found.append({"field": "code", "message": NOT_YOURS})
            problems += [_at(row, p) for p in found]
            progress(1)
            if found:
                continue
            if stored is None:
                stored = Unit(code=code, province=province, created_at=now)
                uow.repo.add(stored)
                registered += 1
            else:
                updated += 1
            stored.name, stored.kind, stored.parent = row.fields["name"], row.fields["kind"], None
            stored.registered_at = stored.registered_at or now
            stored.updated_at = now
            placed.append((row, stored))
        uow.repo.flush()
        # Parents once every unit of the files exists, one at a time: a cycle is found
        # when the row that closes it is placed.
        parent_of = parent_lookup(uow, province)
        for row, stored in placed:
            parent = row.fields.get("parent")
            found = parent_problems(stored.code, parent, parent_of)
            problems += [_at(row, p) for p in found]
            if not found:
                stored.parent = parent
                uow.repo.flush()
        made = []
        for row in (r for r in rows if r.kind == "principal"):
            found = _principal_problems(row)
            unit = row.fields.get("unit")
            if unit is not None and not found and uow.repo.unit_province(unit) != province:
                found.append({"field": "unit", "message": NOT_REGISTERED})
            position = row.fields.get("position")
            if position and not found and org.unknown_positions(uow.session, province,
                                                                [position]):
                found.append({"field": "position", "message": UNKNOWN_POSITION})
            problems += [_at(row, p) for p in found]
            progress(1)
            if found:
                continue
            token = new_token()
            principal = Principal(name=row.fields["name"], role=row.fields["role"],
                                  province=province, unit=unit,
                                  position=row.fields.get("position"),
                                  token_hash=hash_token(token), created_at=now)
            uow.repo.add(principal)
            made.append((row, principal, token))
        if problems:
            raise InvalidInput(f"{len(problems)} problem(s); nothing was imported",
                               errors=problems)
        uow.repo.flush()
        loaded = Loaded(registered, updated,
                        [(row.where, p.id, p.name, token) for row, p, token in made])
        uow.commit()
    return loaded


def _unit_problems(row: Row, code: str, levels: dict[str, str],
                   seen: dict[str, str]) -> list[dict[str, str]]:
    found = code_problems(code)
    for name in ("name", "kind"):
        if not row.fields.get(name):
            found.append({"field": name, "message": "missing"})
    found += field_problems({k: v for k, v in row.fields.items()
                             if k in ("name", "kind") and v}, levels)
    if code in seen:
        found.append({"field": "code", "message": f"also at {seen[code]}"})
    seen.setdefault(code, row.where)
    return found


def _principal_problems(row: Row) -> list[dict[str, str]]:
    found = []
    if not row.fields.get("name"):
        found.append({"field": "name", "message": "missing"})
    if row.fields.get("role") not in ROLES:
        found.append({"field": "role", "message": f"must be one of {', '.join(ROLES)}"})
    for name, longest in _LONGEST.items():
        value = row.fields.get(name)
        if value is not None and len(value) > longest:
            found.append({"field": name, "message": f"at most {longest} characters"})
    return found


def _at(row: Row, problem: dict[str, str]) -> dict[str, str]:
    return {"field": f"{row.where}/{problem['field']}", "message": problem["message"]}
