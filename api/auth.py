"""Bearer-token authentication for each request (the caller is kept on `g`)."""
from __future__ import annotations

import time

from flask import current_app, g, request

from api.auth_throttle import FailureCounter, TooManyAttempts
from engine.errors import Unauthenticated
from engine.services.org.auth import Caller, authenticate, hash_token


def caller() -> Caller:
    """The authenticated caller; what it may do is for the use case to ask engine.access."""
    found: Caller | None = g.get("caller")
    if found is None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        found = _authenticate(token)
        g.caller = found
    return found


def _authenticate(token: str) -> Caller:
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
