"""Principals and bearer tokens. Tokens are shown once and stored only as SHA-256 hashes."""
from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from engine.access import ROLES, Action, Caller, require
from engine.errors import InvalidInput, Unauthenticated
from engine.services.context import Context
from engine.services.org.oidc import authenticate_jwt, is_jwt
from engine.services.org.registry import known_positions, registered_unit
from engine.store import org
from engine.store.models import Principal, max_length

__all__ = ["Caller", "ROLES", "authenticate", "authenticate_digest", "authenticate_principal",
           "create_principal", "hash_token", "new_principal", "new_token"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "mc_" + secrets.token_urlsafe(32)


CALLER_TTL = 30.0  # seconds a process trusts a looked-up token before asking again
_MAX_CACHED = 10_000


def authenticate(ctx: Context, token: str) -> Caller:
    if not token:
        raise Unauthenticated("missing bearer token")
    digest = hash_token(token)
    hit: tuple[Caller, float] | None = ctx.callers.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    if is_jwt(token):
        caller, ttl = authenticate_jwt(ctx, token, CALLER_TTL)
        _remember(ctx, digest, caller, ttl)
        return caller
    return authenticate_digest(ctx, digest)


def authenticate_digest(ctx: Context, digest: str) -> Caller:
    """The principal whose token hashes to `digest`: a page session keeps the hash, never
    the token, and ends when the token is rotated, revoked or expires."""
    hit: tuple[Caller, float] | None = ctx.callers.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    with ctx.uow(readonly=True) as uow:
        principal = uow.repo.principal_by_token_hash(digest)
        extra = org.memberships(uow.session, principal.id) if principal is not None else []
    if principal is None:
        raise Unauthenticated("unknown bearer token")
    if principal.disabled_at is not None:
        raise Unauthenticated("this principal is disabled")
    ttl = CALLER_TTL
    if principal.token_expires_at is not None:
        left = (principal.token_expires_at - ctx.clock.now()).total_seconds()
        if left <= 0:
            raise Unauthenticated("this token has expired; ask an administrator to rotate it")
        ttl = min(ttl, left)
    caller = _caller(principal, extra)
    _remember(ctx, digest, caller, ttl)
    return caller


def authenticate_principal(ctx: Context, principal_id: int) -> Caller:
    """The principal a page session names by id (one started through the province's OIDC
    provider): it works while the principal exists and is not disabled."""
    key = f"principal:{principal_id}"
    hit: tuple[Caller, float] | None = ctx.callers.get(key)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    with ctx.uow(readonly=True) as uow:
        principal = uow.session.get(Principal, principal_id) if 0 < principal_id < 2**31 \
            else None
        extra = org.memberships(uow.session, principal.id) if principal is not None else []
    if principal is None:
        raise Unauthenticated("this session's principal no longer exists; sign in again")
    if principal.disabled_at is not None:
        raise Unauthenticated("this principal is disabled")
    caller = _caller(principal, extra)
    _remember(ctx, key, caller, CALLER_TTL)
    return caller


def _remember(ctx: Context, digest: str, caller: Caller, ttl: float) -> None:
    if len(ctx.callers) >= _MAX_CACHED:
        ctx.callers.clear()
    ctx.callers[digest] = (caller, time.monotonic() + ttl)


# As long as the store keeps them.
_LONGEST = {name: max_length(Principal.__table__.c[name])
            for name in ("name", "province", "unit", "position")}


def new_principal(ctx: Context, caller: Caller, **fields: Any) -> tuple[Caller, str]:
    """An admin creates a principal of their own province."""
    require(caller, Action.PRINCIPAL_WRITE)
    return create_principal(ctx, province=caller.province, **fields)


def create_principal(ctx: Context, *, name: str, role: str, province: str,
                     unit: str | None = None, position: str | None = None,
                     expires_at: datetime | None = None) -> tuple[Caller, str]:
    """A new principal and its token (the only time the token exists in clear). Its unit,
    if any, must be a unit of its province (a unit first named here becomes one). The token
    works until `expires_at` (None: until it is rotated or revoked)."""
    errors = expiry_problems(ctx, expires_at)
    if role not in ROLES:
        errors.append({"field": "role", "message": f"must be one of {', '.join(ROLES)}"})
    if not name.strip():
        errors.append({"field": "name", "message": "must not be empty"})
    if not province.strip():
        errors.append({"field": "province", "message": "must not be empty"})
    for field, value in (("name", name), ("province", province), ("unit", unit),
                         ("position", position)):
        if value is not None and len(value) > _LONGEST[field]:
            errors.append({"field": field, "message": f"at most {_LONGEST[field]} characters"})
    if errors:
        raise InvalidInput("invalid principal", errors=errors)
    token = new_token()
    with ctx.uow() as uow:
        if unit is not None:
            registered_unit(uow.repo, province, unit, field="unit")
        known_positions(uow, province, [("position", position)])
        principal = Principal(name=name, role=role, province=province, unit=unit,
                              position=position, token_hash=hash_token(token),
                              token_expires_at=expires_at.astimezone(UTC) if expires_at else None,
                              created_at=ctx.clock.now())
        uow.repo.add(principal)
        uow.commit()
    return _caller(principal), token


def expiry_problems(ctx: Context, expires_at: datetime | None) -> list[dict[str, str]]:
    if expires_at is None:
        return []
    if expires_at.tzinfo is None:
        return [{"field": "expires_at", "message": "needs a UTC offset"}]
    if expires_at <= ctx.clock.now():
        return [{"field": "expires_at", "message": "must be in the future"}]
    if expires_at.year > 9000:
        return [{"field": "expires_at", "message": "must be before the year 9000"}]
    return []


def _caller(p: Principal, extra: list[tuple[str, str]] | None = None) -> Caller:
    return Caller(p.id, p.name, p.role, p.province, p.unit, p.position, tuple(extra or ()))
