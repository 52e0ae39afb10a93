"""Signing in to the pages with the province's account (its OIDC provider), where
MOTCUA_OIDC_CLIENT_ID, the issuer and its keys are set.

`GET /signin/oidc` (the sign-in page's button) keeps a new sign-in's state, nonce and PKCE
verifier in the session and sends the person to the provider (a link, not a form: the
pages' CSP lets forms go nowhere but here, redirects included; and starting a sign-in
changes nothing a forged request could use: the state binds its end to this browser);
`GET /signin/oidc/callback` takes the code back, lets engine.services.org.oidc_signin
exchange and verify it, and starts a session for the principal it names. Every failure
comes back to the sign-in page with what went wrong, in words, never a stack trace.
"""
from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, request, session
from flask.typing import ResponseReturnValue

from api import sessions
from api.auth_throttle import FailureCounter
from api.page_shell import local
from api.pages import HOMES, refused_elsewhere
from engine.services.org import oidc_signin
from engine.services.org.oidc import IdentityProviderUnavailable
from engine.services.org.oidc_signin import Pending, SignInRefused

blp = Blueprint("signin_oidc", __name__)
CALLBACK = "/signin/oidc/callback"
MAX_NEXT = 500  # characters of the path to come back to
KEPT = 3  # sign-ins under way kept per browser (a few tabs), the oldest dropped first
# What each refusal is called on the page (api/page_text.py), and its status.
REASONS = {"denied": ("oidc_denied", 401), "provider": ("oidc_provider", 502),
           "state": ("oidc_state", 400), "code": ("oidc_code", 400),
           "token": ("oidc_token", 401), "claims": ("oidc_claims", 403),
           "disabled": ("oidc_disabled", 403)}
# Refusals that count as failed authentications from the address (api/auth_throttle.py):
# each one cost a request to the provider, so a run of them is slowed down as bad tokens are.
COUNTED = frozenset({"code", "token"})


def register(app: Flask) -> None:
    app.register_blueprint(blp)


def _settings() -> Any:
    settings = current_app.extensions["motcua"].settings
    if not oidc_signin.offered(settings):
        abort(404)
    return settings


def _redirect_uri(settings: Any) -> str:
    return str(settings.oidc_redirect_uri or request.host_url.rstrip("/") + CALLBACK)


@blp.get("/signin/oidc")
def begin() -> ResponseReturnValue:
    settings = _settings()
    next_path = local(request.args.get("next"), "")  # "": the principal's home page
    if len(next_path) > MAX_NEXT:  # it waits in the cookie, which browsers cap at 4 KiB
        next_path = ""
    try:
        address, pending = oidc_signin.begin(settings, _redirect_uri(settings), next_path)
    except IdentityProviderUnavailable as exc:
        return refused_elsewhere("oidc_unavailable", 503, exc.message, next_path)
    _keep(pending)
    return redirect(address, 303)


@blp.get(CALLBACK)
def callback() -> ResponseReturnValue:
    """Where the provider sends the person back: a session on success, else the sign-in
    page telling why (by a redirect, so that neither the code nor the state stays in the
    address bar, and a reload or a change of language does not send them again)."""
    settings = _settings()
    pending = _take(request.args.get("state", ""))
    next_path = pending.next if pending else ""
    try:
        if pending is None:
            raise SignInRefused("state", "this sign-in was not started in this browser, was "
                                         "finished already or has expired; start it again")
        issuer = request.args.get("iss")
        if issuer is not None and issuer != settings.oidc_issuer:  # RFC 9207: no mix-up
            raise SignInRefused("provider", "the answer comes from another provider (iss)")
        error = request.args.get("error")
        if error:
            raise oidc_signin.provider_error(error, request.args.get("error_description"))
        code = request.args.get("code", "")
        if not code:
            raise SignInRefused("provider", "the provider sent back neither a code nor an "
                                            "error")
        if _throttled():
            return refused_elsewhere("signin_throttled", 429, "", next_path)
        caller = oidc_signin.finish(current_app.extensions["motcua"], pending, code,
                                    _redirect_uri(settings))
    except SignInRefused as exc:
        words, status = REASONS.get(exc.reason, ("oidc_provider", 401))
        if exc.reason in COUNTED:
            _count_failure()
        return refused_elsewhere(words, status, exc.message, next_path)
    except IdentityProviderUnavailable as exc:
        return refused_elsewhere("oidc_unavailable", 503, exc.message, next_path)
    sessions.start_for_principal(caller.id, current_app.extensions["motcua.session_seconds"])
    return redirect(local(next_path, HOMES.get(caller.role, "/desk")), 303)


def _throttled() -> bool:
    limit: int = current_app.extensions["motcua"].settings.auth_failures_per_minute
    counter: FailureCounter = current_app.extensions["motcua.auth_failures"]
    return limit > 0 and counter.failures(request.remote_addr or "-")[0] >= limit


def _count_failure() -> None:
    if current_app.extensions["motcua"].settings.auth_failures_per_minute > 0:
        counter: FailureCounter = current_app.extensions["motcua.auth_failures"]
        counter.add(request.remote_addr or "-")


# -- the sign-ins under way, in the session -------------------------------------------------

def _keep(pending: Pending) -> None:
    kept = [p for p in _under_way() if not p.stale()][-(KEPT - 1):]
    session["oidc"] = [vars(p) for p in kept] + [vars(pending)]


def _take(state: str) -> Pending | None:
    """The sign-in under way that `state` names, which it ends (a state works once)."""
    under_way = _under_way()
    sent = state.encode()
    found = next((p for p in under_way if sent and hmac.compare_digest(p.state.encode(), sent)),
                 None)
    if found is not None:
        session["oidc"] = [vars(p) for p in under_way if p is not found]
    return found


def _under_way() -> list[Pending]:
    raw = session.get("oidc")
    found = []
    for item in raw if isinstance(raw, list) else []:
        try:
            found.append(Pending(**item))
        except TypeError:  # a session from an older version of this page
            continue
    return found
