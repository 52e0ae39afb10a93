"""A person signs in to the pages through the province's OIDC provider: the authorization
code flow with PKCE (RFC 7636), `state` and `nonce`.

`begin` makes what the browser's session keeps while the person is at the provider (the
state, the nonce and the code verifier) and the provider's address to send them to;
`finish`, given the code the provider sent back, exchanges it at the token endpoint (server
to server: only the configured or discovered endpoint, no redirect followed, bounded in time
and size), verifies the ID token as the API verifies the provider's JWTs (`oidc.verify`:
keys, algorithms, issuer, expiry) with this client as its audience and this sign-in's nonce,
and returns the principal its claims name (`oidc.caller_from_claims`, as for a bearer JWT).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from engine.access import Caller
from engine.errors import Unauthenticated
from engine.services.context import Context
from engine.services.org.oidc import (
    ClaimsRefused,
    IdentityProviderUnavailable,
    PrincipalDisabled,
    TokenRefused,
    caller_from_claims,
    verify,
)
from engine.settings import Settings

__all__ = ["FLOW_SECONDS", "Pending", "SignInRefused", "begin", "finish", "offered",
           "provider_error"]

FLOW_SECONDS = 600  # a person has ten minutes at the provider before the sign-in is stale
DISCOVERY_LIFESPAN = 3600  # seconds a discovered configuration is kept
MAX_ANSWER = 256 * 1024  # bytes read of the provider's answer at most


class SignInRefused(Unauthenticated):
    """The provider's sign-in did not go through; `reason` says which step refused it:
    `denied` (the person or the provider said no), `provider` (its error, or an answer
    without an ID token), `code` (the code was refused: used already or expired), `token`
    (the ID token: signature, issuer, audience, expiry, nonce), `claims` (no usable
    province, role, unit or position), `disabled` (the principal is disabled)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Pending:
    """One sign-in under way, kept in the browser's (signed, HttpOnly) session."""

    state: str
    nonce: str
    verifier: str
    next: str
    started: float  # time.time() when it began

    def stale(self) -> bool:
        return not 0 <= time.time() - self.started <= FLOW_SECONDS


def offered(settings: Settings) -> bool:
    """The sign-in page offers the province's account: a client, an issuer and its keys."""
    return bool(settings.oidc_client_id and settings.oidc_issuer and settings.oidc_jwks)


def begin(settings: Settings, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
    """The provider's authorization address to send the person to, and what to keep."""
    endpoints = _endpoints(settings)
    pending = Pending(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                      verifier=secrets.token_urlsafe(64), next=next_path, started=time.time())
    scopes = settings.oidc_scopes.split()
    query = {"response_type": "code", "client_id": settings.oidc_client_id,
             "redirect_uri": redirect_uri,
             "scope": " ".join(["openid"] + [s for s in scopes if s != "openid"]),
             "state": pending.state, "nonce": pending.nonce,
             "code_challenge": _challenge(pending.verifier), "code_challenge_method": "S256"}
    joiner = "&" if "?" in endpoints.authorization else "?"
    return endpoints.authorization + joiner + urlencode(query), pending


def provider_error(error: str, description: str | None) -> SignInRefused:
    """The refusal the provider sent back instead of a code (RFC 6749 §4.1.2.1)."""
    said = _printable(f"{error}: {description}" if description else error)
    if error == "access_denied":
        return SignInRefused("denied", f"the sign-in was cancelled or refused at the "
                                       f"provider ({said})")
    return SignInRefused("provider", f"the provider could not sign you in ({said})")


def finish(ctx: Context, pending: Pending, code: str, redirect_uri: str) -> Caller:
    """The principal the provider signed in, once `code` is exchanged and its ID token
    verified. Raises SignInRefused, or IdentityProviderUnavailable (try again later)."""
    settings = ctx.settings
    if pending.stale():
        raise SignInRefused("state", f"the sign-in took longer than {FLOW_SECONDS // 60} "
                                     f"minutes; start it again")
    id_token = _exchange(settings, _endpoints(settings), code, redirect_uri, pending.verifier)
    try:
        claims = verify(settings, id_token, settings.oidc_client_id)
    except TokenRefused as exc:
        raise SignInRefused("token", f"the provider's ID token is refused: {exc.message}") \
            from exc
    audiences = claims.get("aud")
    if isinstance(audiences, list) and len(audiences) > 1 \
            and claims.get("azp", settings.oidc_client_id) != settings.oidc_client_id:
        raise SignInRefused("token", "the provider's ID token was issued to another client "
                                     "(azp)")
    nonce = claims.get("nonce")
    if not (isinstance(nonce, str) and hmac.compare_digest(nonce, pending.nonce)):
        raise SignInRefused("token", "the provider's ID token is not this sign-in's (its "
                                     "nonce differs): start the sign-in again")
    try:
        return caller_from_claims(ctx, claims)
    except PrincipalDisabled as exc:
        raise SignInRefused("disabled", exc.message) from exc
    except ClaimsRefused as exc:
        raise SignInRefused("claims", exc.message) from exc


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _printable(text: str, limit: int = 200) -> str:
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


# -- the token endpoint -----------------------------------------------------------------

def _exchange(settings: Settings, endpoints: _Endpoints, code: str, redirect_uri: str,
              verifier: str) -> str:
    """The ID token the token endpoint gives for `code`."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier, "client_id": settings.oidc_client_id}
    headers = {"Accept": "application/json"}
    secret = settings.oidc_client_secret
    if secret and endpoints.basic_auth:
        # RFC 6749 §2.3.1: each part form-encoded before it goes into the Basic header.
        pair = f"{quote(settings.oidc_client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    elif secret:
        form["client_secret"] = secret
    status, answer = _call("POST", endpoints.token, settings.oidc_timeout, "token endpoint",
                           data=form, headers=headers)
    id_token = answer.get("id_token") if isinstance(answer, dict) else None
    if status == 200 and isinstance(id_token, str):
        return id_token
    if 400 <= status < 500 and isinstance(answer, dict) and isinstance(answer.get("error"), str):
        error = _printable(answer["error"], 60)
        if error == "invalid_grant":
            raise SignInRefused("code", "the provider refused the sign-in code (invalid_grant): "
                                        "it was used already or has expired; sign in again")
        raise SignInRefused("provider", f"the provider's token endpoint refused the sign-in "
                                        f"({error}); if it says invalid_client, the client id "
                                        f"or secret set here is not the provider's")
    if status >= 500 or status in (301, 302, 303, 307, 308):
        raise IdentityProviderUnavailable(f"the provider's token endpoint answered {status}; "
                                          f"try again shortly")
    raise SignInRefused("provider", f"the provider's token endpoint answered {status} "
                                    f"without an ID token")


def _call(method: str, url: str, timeout: float, what: str, **kwargs: Any
          ) -> tuple[int, Any]:
    """(status, JSON answer or None): no redirect followed, at most MAX_ANSWER bytes."""
    try:
        with requests.request(method, url, timeout=(timeout, timeout), allow_redirects=False,
                              stream=True, **kwargs) as resp:
            body = resp.raw.read(MAX_ANSWER + 1, decode_content=True)
            status = resp.status_code
    except (requests.RequestException, OSError) as exc:
        raise IdentityProviderUnavailable(f"the provider's {what} cannot be reached at {url} "
                                          f"({type(exc).__name__}); try again shortly") from exc
    if len(body) > MAX_ANSWER:
        raise IdentityProviderUnavailable(f"the provider's {what} answered more than "
                                          f"{MAX_ANSWER} bytes")
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


# -- where the provider's endpoints are --------------------------------------------------

@dataclass(frozen=True)
class _Endpoints:
    authorization: str
    token: str
    basic_auth: bool  # the client's secret goes in the Basic header (else in the form)


_discovered: dict[str, tuple[_Endpoints, float]] = {}
_lock = threading.Lock()


def _endpoints(settings: Settings) -> _Endpoints:
    """The configured endpoints, else those of the provider's discovery document
    (OpenID Connect Discovery 1.0), fetched once an hour."""
    if settings.oidc_authorization_endpoint and settings.oidc_token_endpoint:
        return _Endpoints(settings.oidc_authorization_endpoint, settings.oidc_token_endpoint,
                          basic_auth=True)
    issuer = settings.oidc_issuer
    with _lock:
        hit = _discovered.get(issuer)
    if hit is not None and hit[1] > time.monotonic():
        found = hit[0]
    else:
        found = _discover(issuer, settings.oidc_timeout)
        with _lock:
            _discovered[issuer] = (found, time.monotonic() + DISCOVERY_LIFESPAN)
    return _Endpoints(settings.oidc_authorization_endpoint or found.authorization,
                      settings.oidc_token_endpoint or found.token, found.basic_auth)


def _discover(issuer: str, timeout: float) -> _Endpoints:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    status, doc = _call("GET", url, timeout, "configuration",
                        headers={"Accept": "application/json"})

    def wrong(why: str) -> IdentityProviderUnavailable:
        return IdentityProviderUnavailable(f"the provider's configuration at {url} {why}")

    if status != 200 or not isinstance(doc, dict):
        raise wrong(f"cannot be read (status {status})")
    if doc.get("issuer") != issuer:
        raise wrong(f"names another issuer ({_printable(str(doc.get('issuer')), 100)}), "
                    f"not MOTCUA_OIDC_ISSUER")
    found = {}
    for name in ("authorization_endpoint", "token_endpoint"):
        value = doc.get(name)
        # https, or http only where the issuer itself is (a provider on a test machine).
        if not isinstance(value, str) or urlsplit(value).scheme not in (
                {"https", urlsplit(issuer).scheme}) or not urlsplit(value).netloc:
            raise wrong(f"has no usable {name}")
        found[name] = value
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    basic = not isinstance(methods, list) or "client_secret_basic" in methods \
        or "client_secret_post" not in methods
    return _Endpoints(found["authorization_endpoint"], found["token_endpoint"], basic)
