"""Bearer-token authentication for each request (the caller is kept on `g`)."""
from __future__ import annotations

from flask import current_app, g, request

from engine.services.auth import Caller, authenticate


def caller() -> Caller:
    """The authenticated caller; what it may do is for the use case to ask engine.access."""
    found: Caller | None = g.get("caller")
    if found is None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        found = authenticate(current_app.extensions["motcua"], token)
        g.caller = found
    return found
