"""Administrators manage the principals of their province: list, change, disable, and rotate
or revoke tokens.

A token is shown once, when made; only its SHA-256 is stored. Revoking stores a value no
token hashes to. Each process trusts a token it has looked up for `auth.CALLER_TTL` seconds:
a change takes effect at once in the process that made it and within that time everywhere.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from engine.access import Action, Caller, require
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.services.org.auth import expiry_problems, hash_token, new_token
from engine.services.org.registry import known_positions, registered_unit
from engine.store import org
from engine.store.models import Principal, max_length
from engine.store.uow import UnitOfWork

_LONGEST = {name: max_length(Principal.__table__.c[name])
            for name in ("name", "unit", "position")}
MAX_MEMBERSHIPS = 20


def list_principals(ctx: Context, caller: Caller, *, limit: int, offset: int,
                    **filters: Any) -> tuple[int, list[dict[str, Any]]]:
    require(caller, Action.PRINCIPAL_READ)
    with ctx.uow(readonly=True) as uow:
        total, rows = org.principals(uow.session, caller.province, limit=limit,
                                     offset=offset, **filters)
        return total, [view(row, org.memberships(uow.session, row.id)) for row in rows]


def get_principal(ctx: Context, caller: Caller, principal_id: int) -> dict[str, Any]:
    require(caller, Action.PRINCIPAL_READ)
    with ctx.uow(readonly=True) as uow:
        row = _own(uow, caller, principal_id)
        return view(row, org.memberships(uow.session, row.id))


def change_principal(ctx: Context, caller: Caller, principal_id: int,
                     changes: dict[str, Any]) -> dict[str, Any]:
    """Change a principal's name, unit or position, its further memberships (`memberships`:
    [{unit, position}], replacing the ones it had), or disable (`disabled: true`) or enable
    it. Its role never changes: make another principal instead."""
    require(caller, Action.PRINCIPAL_WRITE)
    problems = _membership_problems(changes.get("memberships"))
    for name in ("name", "unit", "position"):
        value = changes.get(name)
        if value is not None and len(value) > _LONGEST[name]:
            problems.append({"field": name, "message": f"at most {_LONGEST[name]} characters"})
    if changes.get("disabled") and principal_id == caller.id:
        problems.append({"field": "disabled", "message": "you cannot disable yourself"})
    if problems:
        raise InvalidInput("invalid change of principal", errors=problems)
    with ctx.uow() as uow:
        row = _own(uow, caller, principal_id, lock=True)
        now = ctx.clock.now()
        if changes.get("unit") is not None:
            registered_unit(uow.repo, caller.province, changes["unit"], field="unit")
        known_positions(uow, caller.province, [("position", changes.get("position"))] + [
            (f"memberships/{i}/position", m["position"])
            for i, m in enumerate(changes.get("memberships") or [])])
        if changes.get("memberships") and row.role != "officer":
            raise InvalidInput("only officers hold memberships", errors=[
                {"field": "memberships", "message": f"a {row.role} holds none"}])
        if "memberships" in changes:
            pairs = [(m["unit"], m["position"]) for m in changes["memberships"]]
            for i, (unit, _position) in enumerate(pairs):
                registered_unit(uow.repo, caller.province, unit,
                                field=f"memberships/{i}/unit")
            org.set_memberships(uow.session, row.id, pairs)
        for name in ("name", "unit", "position"):
            if name in changes:
                setattr(row, name, changes[name])
        if "disabled" in changes:
            row.disabled_at = (row.disabled_at or now) if changes["disabled"] else None
        extra = org.memberships(uow.session, row.id)
        uow.commit()
        _forget(ctx, principal_id)
        return view(row, extra)


def rotate_token(ctx: Context, caller: Caller, principal_id: int,
                 expires_at: datetime | None = None) -> tuple[dict[str, Any], str]:
    """A new token for the principal (shown once), working until `expires_at` (None: until
    rotated or revoked); the old one stops working."""
    require(caller, Action.PRINCIPAL_WRITE)
    problems = expiry_problems(ctx, expires_at)
    if problems:
        raise InvalidInput("invalid expiry", errors=problems)
    token = new_token()
    with ctx.uow() as uow:
        row = _own(uow, caller, principal_id, lock=True)
        row.token_hash = hash_token(token)
        row.token_issued_at = ctx.clock.now()
        row.token_expires_at = expires_at.astimezone(UTC) if expires_at else None
        extra = org.memberships(uow.session, row.id)
        uow.commit()
        _forget(ctx, principal_id)
        return view(row, extra), token


def revoke_token(ctx: Context, caller: Caller, principal_id: int) -> None:
    """The principal's token stops working; it has none until one is rotated in. Your own
    is rotated, not revoked: a province must not lose its last administrator by mistake."""
    require(caller, Action.PRINCIPAL_WRITE)
    if principal_id == caller.id:
        raise InvalidInput("you cannot revoke your own token; rotate it instead", errors=[
            {"field": "principal_id", "message": "your own"}])
    with ctx.uow() as uow:
        row = _own(uow, caller, principal_id, lock=True)
        # Not hexadecimal, so no token's SHA-256 is ever equal to it; unique like a hash.
        row.token_hash = "revoked-" + secrets.token_hex(28)
        row.token_issued_at = ctx.clock.now()
        row.token_expires_at = None
        uow.commit()
    _forget(ctx, principal_id)


def view(row: Principal, extra: list[tuple[str, str]]) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "province": row.province,
            "unit": row.unit, "position": row.position,
            "memberships": [{"unit": u, "position": p} for u, p in extra],
            "disabled": row.disabled_at is not None, "disabled_at": row.disabled_at,
            "created_at": row.created_at, "token_issued_at": row.token_issued_at or row.created_at,
            "token_expires_at": row.token_expires_at,
            "token_revoked": row.token_hash.startswith("revoked-"), "subject": row.subject}


def _membership_problems(memberships: list[dict[str, str]] | None) -> list[dict[str, str]]:
    if memberships is None:
        return []
    problems = []
    if len(memberships) > MAX_MEMBERSHIPS:
        problems.append({"field": "memberships", "message": f"at most {MAX_MEMBERSHIPS}"})
    for i, membership in enumerate(memberships):
        for name in ("unit", "position"):
            value = membership.get(name) or ""
            if not value.strip():
                problems.append({"field": f"memberships/{i}/{name}", "message": "missing"})
            elif len(value) > _LONGEST[name]:
                problems.append({"field": f"memberships/{i}/{name}",
                                 "message": f"at most {_LONGEST[name]} characters"})
    return problems


def _own(uow: UnitOfWork, caller: Caller, principal_id: int, *,
         lock: bool = False) -> Principal:
    # Ids are 32-bit in the store: a larger number names no principal (and must not reach
    # the database, which would overflow on it).
    in_range = 0 < principal_id < 2**31
    row = org.principal(uow.session, caller.province, principal_id, lock=lock) \
        if in_range else None
    if row is None:
        raise NotFound(f"no principal {principal_id}")
    return row


def _forget(ctx: Context, principal_id: int) -> None:
    """Drop this process's cached look-ups of the principal (by its tokens, by its sessions)."""
    for digest, (cached, _) in list(ctx.callers.items()):
        if cached.id == principal_id:
            ctx.callers.pop(digest, None)
