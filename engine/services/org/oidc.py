"""Sign-in through a province's OIDC provider (single sign-on).

A bearer token that is a JWT is verified against the provider's keys (its JWKS, fetched from
an address and kept for five minutes, or read from a file): signature with an asymmetric
algorithm only, issuer, audience, expiry. Its claims then say who the caller is:

- `sub`: the person; with the issuer it names one principal, made on first sign-in and
  kept up to date from the claims at each later one (so history names them, and an
  administrator can disable them like any other principal);
- `name` (else `preferred_username`, else `sub`);
- `role`: one of the platform's roles;
- `province`: required unless the setting `oidc_province` names it (then, if present, it
  must agree);
- `memberships`: a list of `{"unit": ..., "position": ...}` (position absent for a client);
  the first is the principal's own unit and position, the rest further memberships. Every
  unit must be registered in the province, or the sign-in is refused.

A caller verified this way is trusted for at most 30 seconds or until the token expires,
like an opaque token.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy.exc import IntegrityError

from engine.access import ROLES, Caller
from engine.errors import MotcuaError, Unauthenticated
from engine.services.context import Context
from engine.settings import Settings
from engine.store import org
from engine.store.models import Principal, max_length

__all__ = ["ClaimsRefused", "IdentityProviderUnavailable", "PrincipalDisabled", "TokenRefused",
           "authenticate_jwt", "caller_from_claims", "is_jwt", "verify"]

KEYS_LIFESPAN = 300  # seconds the provider's keys are kept before they are fetched again
LEEWAY = 30  # seconds of clock difference tolerated on exp, nbf and iat
MAX_MEMBERSHIPS = 20
ASYMMETRIC = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512",
              "EdDSA"}


class IdentityProviderUnavailable(MotcuaError):
    """The provider's keys cannot be had: not the caller's fault, try again later."""

    code = "identity-provider-unavailable"
    retry_after = 30


class TokenRefused(Unauthenticated):
    """The token itself cannot be trusted: malformed, signed by another key, issued by
    another provider, for another audience, or expired."""


class ClaimsRefused(Unauthenticated):
    """A trusted token whose claims name no usable province, role, unit or position (or a
    person known in another province)."""


class PrincipalDisabled(Unauthenticated):
    """The person is known, and an administrator has disabled them."""


def is_jwt(token: str) -> bool:
    """A JWT in compact form: three base64url parts, a JSON header first ("ey...")."""
    return token.startswith("ey") and token.count(".") == 2


def authenticate_jwt(ctx: Context, token: str, ttl: float) -> tuple[Caller, float]:
    """The caller a provider's token stands for, and how long (at most `ttl` seconds) it
    may be trusted without verifying the token again."""
    settings = ctx.settings
    if not (settings.oidc_issuer and settings.oidc_jwks):
        raise Unauthenticated("unknown bearer token")
    claims = verify(settings, token, settings.oidc_audience)
    caller = caller_from_claims(ctx, claims)
    left = float(claims["exp"]) - time.time()
    return caller, max(0.0, min(ttl, left))


def caller_from_claims(ctx: Context, claims: dict[str, Any]) -> Caller:
    """The principal verified claims name (`iss` and `sub`), made on first sign-in and
    brought up to date from the claims at each later one."""
    province, role, name, memberships = _mapped(ctx.settings, claims)
    subject = f"{claims['iss']} {claims['sub']}"
    for attempt in (1, 2):
        try:
            principal, extra = _principal(ctx, subject, province, role, name, memberships)
            break
        except IntegrityError:
            if attempt == 2:  # pragma: no cover - a second collision means a real conflict
                raise
            # Two first sign-ins of the same person at once: the other one made the row.
    return Caller(principal.id, principal.name, principal.role, principal.province,
                  principal.unit, principal.position, tuple(extra))


# -- verifying --------------------------------------------------------------------------

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def verify(settings: Settings, token: str, audience: str) -> dict[str, Any]:
    """The claims of a token of the configured provider: signed by one of its keys with an
    accepted algorithm, issued by it, unexpired, and naming `audience` (if not empty)."""
    algorithms = [a.strip() for a in settings.oidc_algorithms.split(",")
                  if a.strip() in ASYMMETRIC]
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise TokenRefused(f"malformed token: {exc}") from exc
    if header.get("alg") not in algorithms:
        raise TokenRefused(f"token signed with {header.get('alg')!r}; accepted: "
                              f"{', '.join(algorithms)}")
    key = _signing_key(settings.oidc_jwks, token, header)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=algorithms, audience=audience or None,
            issuer=settings.oidc_issuer, leeway=LEEWAY,
            options={"require": ["exp", "iss", "sub"], "verify_aud": bool(audience)})
    except jwt.ExpiredSignatureError as exc:
        raise TokenRefused("the token has expired: sign in again") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenRefused(f"the token is not for this service (aud must be "
                           f"{audience})") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenRefused("the token was issued by another provider") from exc
    except jwt.PyJWTError as exc:
        raise TokenRefused(f"invalid token: {exc}") from exc
    return claims


def _signing_key(jwks: str, token: str, header: dict[str, Any]) -> Any:
    if jwks.startswith(("https://", "http://")):
        with _lock:
            client = _clients.get(jwks)
            if client is None:
                client = _clients[jwks] = jwt.PyJWKClient(jwks, cache_keys=True,
                                                          lifespan=KEYS_LIFESPAN, timeout=5)
        try:
            return client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            raise IdentityProviderUnavailable(
                "the identity provider's keys cannot be fetched; try again shortly") from exc
        except jwt.PyJWKClientError as exc:
            raise TokenRefused(f"the token's key is not the provider's: {exc}") from exc
    try:
        keys = jwt.PyJWKSet.from_json(Path(jwks).read_text(encoding="utf-8"))
    except (OSError, ValueError, jwt.PyJWKSetError) as exc:
        raise IdentityProviderUnavailable(f"the identity provider's keys cannot be read: "
                                          f"{exc}") from exc
    kid = header.get("kid")
    found = [k for k in keys.keys if kid is None or k.key_id == kid]
    if not found:
        raise TokenRefused(f"the token's key {kid!r} is not the provider's")
    return found[0].key


# -- mapping the claims -----------------------------------------------------------------

_LONGEST = {name: max_length(Principal.__table__.c[name])
            for name in ("name", "province", "unit", "position")}


def _mapped(settings: Settings, claims: dict[str, Any]
            ) -> tuple[str, str, str, list[tuple[str, str | None]]]:
    def refuse(why: str) -> ClaimsRefused:
        return ClaimsRefused(f"the token's claims cannot be used: {why}")

    province = claims.get("province")
    if settings.oidc_province:
        if province not in (None, settings.oidc_province):
            raise refuse(f"province must be {settings.oidc_province}")
        province = settings.oidc_province
    if not isinstance(province, str) or not province.strip() \
            or len(province) > _LONGEST["province"]:
        raise refuse("no province")
    role = claims.get("role")
    if role not in ROLES:
        raise refuse(f"role must be one of {', '.join(sorted(ROLES))}")
    name = claims.get("name") or claims.get("preferred_username") or claims["sub"]
    if not isinstance(name, str):
        raise refuse("name must be a string")
    raw = claims.get("memberships", [])
    if not isinstance(raw, list) or len(raw) > MAX_MEMBERSHIPS:
        raise refuse(f"memberships must be a list of at most {MAX_MEMBERSHIPS}")
    memberships: list[tuple[str, str | None]] = []
    for i, m in enumerate(raw):
        unit = m.get("unit") if isinstance(m, dict) else None
        position = m.get("position") if isinstance(m, dict) else None
        if not isinstance(unit, str) or not unit or len(unit) > _LONGEST["unit"] or not (
                position is None or isinstance(position, str)
                and 0 < len(position) <= _LONGEST["position"]):
            raise refuse(f"memberships/{i} must be {{\"unit\": ..., \"position\": ...}}")
        memberships.append((unit, position))
    return province, role, name[:_LONGEST["name"]], memberships


def _principal(ctx: Context, subject: str, province: str, role: str, name: str,
               memberships: list[tuple[str, str | None]]
               ) -> tuple[Principal, list[tuple[str, str]]]:
    """The principal `subject` names, made or brought up to date from the claims."""
    with ctx.uow() as uow:
        for unit, _ in memberships:
            if uow.repo.unit_province(unit) != province:
                raise ClaimsRefused(f"the token's memberships name {unit}, not a registered "
                                      f"unit of province {province}")
        unknown = org.unknown_positions(uow.session, province,
                                        [p for _, p in memberships if p])
        if unknown:
            raise ClaimsRefused(f"the token's memberships name the position "
                                  f"{', '.join(sorted(unknown))}, not one of province "
                                  f"{province}")
        row = uow.session.query(Principal).filter_by(subject=subject).with_for_update() \
            .one_or_none()
        unit, position = memberships[0] if memberships else (None, None)  # type: ignore[assignment]
        further = [(u, p) for u, p in memberships[1:] if p is not None]
        if row is None:
            # A token hash nobody holds: this principal only ever signs in with the provider.
            stand_in = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
            row = Principal(name=name, role=role, province=province, unit=unit,
                            position=position, token_hash=stand_in, subject=subject,
                            created_at=ctx.clock.now())
            uow.repo.add(row)
            uow.repo.flush()
        elif row.province != province:
            raise ClaimsRefused("this person is known in another province")
        elif row.disabled_at is not None:
            raise PrincipalDisabled("this principal is disabled")
        else:
            row.name, row.role, row.unit, row.position = name, role, unit, position
        if sorted(org.memberships(uow.session, row.id)) != sorted(further):
            org.set_memberships(uow.session, row.id, further)
        uow.commit()
        return row, further

