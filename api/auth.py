"""Authentication for each request (the caller is kept on `g`): a bearer token, or the
pages' session cookie (api/sessions.py), which changes nothing without its CSRF token."""
from __future__ import annotations

import time

from flask import current_app, g, request

from api import sessions
from api.auth_throttle import FailureCounter, TooManyAttempts
from engine.errors import Unauthenticated
from engine.services.org.auth import (
    Caller,
    authenticate,
    authenticate_digest,
    authenticate_principal,
    hash_token,
)


def caller() -> Caller:
    """The authenticated caller; what it may do is for the use case to ask engine.access."""
    found: Caller | None = g.get("caller")
    if found is None:
        header = request.headers.get("Authorization", "")
        signed = None if header else sessions.signed_in()
        if signed is not None:
            if request.method not in sessions.SAFE_METHODS:
                sessions.check_csrf(request.headers.get(sessions.CSRF_HEADER))
            ctx = current_app.extensions["motcua"]
            found = authenticate_principal(ctx, signed.principal_id) \
                if signed.principal_id is not None \
                else authenticate_digest(ctx, signed.token_digest or "")
        else:
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            found = authenticate_token(token)
        g.caller = found
    return found


def authenticate_token(token: str) -> Caller:
    """The principal of a token, with failures from one address counted and throttled."""
    ctx = current_app.extensions["motcua"]
    counter: FailureCounter = current_app.extensions["motcua.auth_failures"]
    address = request.remote_addr or "-"
    limit = ctx.settings.auth_failures_per_minute
    if token and limit > 0:
        hit = ctx.callers.get(hash_token(token))
        if hit is None or hit[1] <= time.monotonic():
            count, retry_after = counter.failures(address)
            if count >= limit:
                raise TooManyAttempts(f"{count} failed authentications from your address; "
                                      f"try again in {retry_after} s", retry_after)
    try:
        return authenticate(ctx, token)
    except Unauthenticated:
        if token and limit > 0:
            counter.add(address)
        raise
