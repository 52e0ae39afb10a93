"""The pages' sessions: a signed, expiring cookie (HttpOnly, SameSite=Lax, Secure behind
https) that keeps the hash of the principal's token, never the token, and a CSRF token.

The pages call the same JSON API as everyone: with the cookie, a GET is answered as for the
bearer token, and any other method only with the session's CSRF token in the
`X-CSRF-Token` header (another site's form can send the cookie but cannot read the token).
What the principal may do is decided by engine.access as for any caller.
"""
from __future__ import annotations

import hmac
import secrets
import time
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


def start(token_digest: str, lifetime_seconds: float) -> None:
    """Sign in: a new session (new CSRF token) for the principal of `token_digest`.

    The hook for a province's OIDC provider: its sign-in callback, once it has verified the
    ID token, starts the session here with the key the caller is authenticated by."""
    session.clear()
    session.permanent = True
    session["who"] = token_digest
    session["until"] = time.time() + lifetime_seconds
    session["csrf"] = secrets.token_urlsafe(32)


def end() -> None:
    session.clear()


def signed_in() -> str | None:
    """The token hash of the signed-in principal, or None (no session, or it has expired)."""
    who, until = session.get("who"), session.get("until")
    if not isinstance(who, str) or not isinstance(until, (int, float)):
        return None
    if until <= time.time():
        session.clear()
        return None
    return who
