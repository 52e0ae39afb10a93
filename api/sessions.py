"""The pages' sessions: a signed, expiring cookie (HttpOnly, SameSite=Lax, Secure behind
https) that names the principal, and a CSRF token. A session started with a token keeps the
token's hash (never the token), so it ends when the token is rotated or revoked; one started
through the province's OIDC provider keeps the principal's id. Either ends when the
principal is disabled.

The pages call the same JSON API as everyone: with the cookie, a GET is answered as for the
bearer token, and any other method only with the session's CSRF token in the
`X-CSRF-Token` header (another site's form can send the cookie but cannot read the token).
What the principal may do is decided by engine.access as for any caller.
"""
from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

from engine.errors import CsrfRefused
from engine.settings import Settings

COOKIE = "motcua_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Cookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure or app.config["SESSION_COOKIE_SECURE"])


def register(app: Flask, settings: Settings) -> None:
    app.secret_key = settings.session_secret or secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_REFRESH_EACH_REQUEST=False,  # a session ends session_hours after sign-in
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    app.session_interface = _Cookies()
    app.extensions["motcua.session_seconds"] = settings.session_hours * 3600


def csrf_token() -> str:
    """The session's CSRF token (one is made for a visitor who has not signed in yet, so
    that the sign-in form is protected too)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(sent: str | None) -> None:
    expected = session.get("csrf")
    if not (isinstance(expected, str) and sent and hmac.compare_digest(sent, expected)):
        raise CsrfRefused("this change needs the page's CSRF token (X-CSRF-Token header "
                          "or csrf_token field); reload the page and try again")


@dataclass(frozen=True)
class SignedIn:
    """Who a session stands for: the hash of a principal's token, or a principal's id."""

    token_digest: str | None = None
    principal_id: int | None = None


def start(token_digest: str, lifetime_seconds: float) -> None:
    """Sign in with a token: a new session (new CSRF token) for the principal of
    `token_digest`."""
    _start("who", token_digest, lifetime_seconds)


def start_for_principal(principal_id: int, lifetime_seconds: float) -> None:
    """Sign in through the provider: a new session for the principal it signed in."""
    _start("principal", principal_id, lifetime_seconds)


def _start(key: str, value: str | int, lifetime_seconds: float) -> None:
    session.clear()  # whatever the visitor's session held before (no fixation)
    session.permanent = True
    session[key] = value
    session["until"] = time.time() + lifetime_seconds
    session["csrf"] = secrets.token_urlsafe(32)


def end() -> None:
    session.clear()


def signed_in() -> SignedIn | None:
    """Who the session stands for, or None (no session, or it has expired)."""
    who, principal, until = session.get("who"), session.get("principal"), session.get("until")
    if isinstance(who, str):
        found = SignedIn(token_digest=who)
    elif isinstance(principal, int) and not isinstance(principal, bool):
        found = SignedIn(principal_id=principal)
    else:
        return None
    if not isinstance(until, (int, float)):
        return None
    if until <= time.time():
        session.clear()
        return None
    return found
