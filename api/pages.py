"""The pages people work in, served by the app: sign-in (a principal's token; the demo
offers its users; the province's account where its OIDC provider is set up, api/signin_oidc.py), sign-out, and the officer's desk (inbox, task, dossier).

A page is a shell: its data comes from the same JSON API, with the session cookie, so every
access decision stays in engine.access. The scripts and styles are bundled at set-up from
web/ into web/dist/ (`make install`); nothing is fetched from elsewhere at run time.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    request,
    send_from_directory,
    session,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

from api import sessions
from api.assets import DIST
from api.auth import authenticate_token, caller
from api.auth_throttle import TooManyAttempts
from api.page_shell import LANG_COOKIE, language, local, page, signed_in_page, signin_redirect
from api.page_text import LANGUAGES, text_for
from engine.errors import CsrfRefused, Unauthenticated
from engine.services.org import units
from engine.services.org.auth import authenticate, hash_token
from engine.services.org.oidc import IdentityProviderUnavailable
from engine.services.org.oidc_signin import offered

blp = Blueprint("pages", __name__)
REFUSAL = "signin_refusal"  # the session's note of why a sign-in was refused, shown once
REFUSALS = frozenset({400, 401, 403, 502})
RETRY_AFTER = {429: 60, 503: IdentityProviderUnavailable.retry_after}
# The demo's principals (api/demo.py) a sign-in page offers when they exist here.
DEMO_USERS = ("demo-reception", "demo-specialist", "demo-head", "demo-leader",
              "demo-dept-specialist", "demo-dept-head", "demo-dept-leader", "demo-designer",
              "demo-auditor")
# Where a role's work starts when the sign-in names no page to come back to.
HOMES = {"auditor": "/audit", "designer": "/design"}


def register(app: Flask) -> None:
    app.register_blueprint(blp)


def _demo_users() -> list[tuple[str, str, str]]:
    """The demo's users still signed in by their tokens: token, name, and their position and
    unit as registered (else their role's word and the unit's code)."""
    ctx = current_app.extensions["motcua"]
    words = text_for(language())
    users = []
    for token in DEMO_USERS:
        try:
            users.append((token, authenticate(ctx, token)))
        except Unauthenticated:
            continue
    found = []
    for (token, who), (position, unit) in zip(users, units.workplaces(ctx, [w for _, w in users]),
                                              strict=True):
        what = position or who.position or words.get(f"role_{who.role}", who.role)
        found.append((token, who.name, " · ".join(filter(None, (what, unit or who.unit)))))
    return found


def signin_page(status: int = 200, error: str | None = None, detail: str | None = None
                ) -> Response:
    """The sign-in page, with what went wrong (`error`, and the technical `detail`)."""
    ctx = current_app.extensions["motcua"]
    resp = page("signin.html", status, error=error, detail=detail, demo=_demo_users(),
                oidc=offered(ctx.settings), next=local(request.values.get("next"), ""))
    retry_after = RETRY_AFTER.get(status)
    if retry_after is not None:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


def refused_elsewhere(words: str, status: int, detail: str, next_path: str) -> BaseResponse:
    """Back to the sign-in page, which tells (once) why a sign-in elsewhere (the province's
    provider) was refused: `words` names the text of api/page_text.py."""
    session[REFUSAL] = {"words": words, "status": status, "detail": detail}
    return redirect("/signin?next=" + quote(local(next_path), safe="/"), 303)


@blp.get("/")
def home() -> ResponseReturnValue:
    if not sessions.signed_in():
        return redirect("/signin")
    try:
        return redirect(HOMES.get(caller().role, "/desk"))
    except Unauthenticated:  # its token revoked since
        return redirect("/signin")


@blp.get("/signin")
def signin_form() -> ResponseReturnValue:
    kept = session.pop(REFUSAL, None)
    if isinstance(kept, dict) and kept.get("status") in RETRY_AFTER.keys() | REFUSALS:
        t = text_for(language())
        return signin_page(kept["status"], t.get(str(kept.get("words")), t["signin_failed"]),
                           str(kept.get("detail") or "") or None)
    return signin_page()


@blp.post("/signin")
def signin() -> ResponseReturnValue:
    t = text_for(language())
    try:
        sessions.check_csrf(request.form.get(sessions.CSRF_FIELD))
    except CsrfRefused:  # e.g. the page was left open past its session: a fresh form
        return signin_page(403, t["signin_again"])
    token = request.form.get("token", "").strip()
    if token.count(".") == 2:  # a JWT: the provider's own sign-in starts such sessions
        return signin_page(401, t["signin_jwt"])
    try:
        who = authenticate_token(token)
    except TooManyAttempts:
        return signin_page(429, t["signin_throttled"])
    except Unauthenticated:
        return signin_page(401, t["signin_failed"])
    seconds = current_app.extensions["motcua.session_seconds"]
    sessions.start(hash_token(token), seconds)
    return redirect(local(request.form.get("next"), HOMES.get(who.role, "/desk")), 303)


@blp.post("/signout")
def signout() -> ResponseReturnValue:
    sessions.check_csrf(request.form.get(sessions.CSRF_FIELD))
    sessions.end()
    return redirect("/signin", 303)


@blp.get("/lang/<code>")
def choose_language(code: str) -> ResponseReturnValue:
    if code not in LANGUAGES:
        abort(404)
    resp = redirect(local(request.args.get("next"), "/"))
    resp.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@blp.get("/desk", defaults={"view": "inbox", "key": ""})
@blp.get("/desk/new", defaults={"view": "intake", "key": ""})
@blp.get("/desk/tasks/<key>", defaults={"view": "task"})
@blp.get("/desk/dossiers/<key>", defaults={"view": "dossier"})
def desk(view: str, key: str) -> ResponseReturnValue:
    gone = signin_redirect()
    if gone is not None:
        return gone
    # The units the intake page may name as receiving (the API checks them again).
    units = " ".join(sorted(caller().units)) if view == "intake" else ""
    return signed_in_page("desk.html", view, key=key, units=units)


@blp.get("/assets/<path:name>")
def asset(name: str) -> ResponseReturnValue:
    if not DIST.is_dir():
        abort(404, description="the pages are not built: run `make install`")
    return send_from_directory(DIST, name, max_age=3600)
