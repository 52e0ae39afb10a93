"""The pages people work in, served by the app: sign-in (a principal's token; the demo
offers its users), sign-out, and the officer's desk (inbox, task, dossier).

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
    render_template,
    request,
    send_from_directory,
)
from flask.typing import ResponseReturnValue

from api import sessions
from api.assets import DIST
from api.auth import authenticate_token
from api.auth_throttle import TooManyAttempts
from api.page_text import LANGUAGES, text_for
from engine.errors import CsrfRefused, Unauthenticated
from engine.services.org.auth import authenticate, hash_token

blp = Blueprint("pages", __name__)
LANG_COOKIE = "motcua_lang"
DESK_PAGES = {"inbox", "task", "dossier"}
# The demo's principals (api/demo.py) a sign-in page offers when they exist here.
DEMO_USERS = ("demo-reception", "demo-specialist", "demo-head", "demo-leader",
              "demo-dept-specialist", "demo-dept-head", "demo-dept-leader")
_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'")


def register(app: Flask) -> None:
    app.register_blueprint(blp)


def language() -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGUAGES else "vi"


def _local(path: str | None, default: str = "/desk") -> str:
    """`path` if it is a path of this site (never another site's address), else `default`."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


def _build() -> str:
    """The bundle's version (web/build.mjs), named in the pages' asset URLs."""
    try:
        return (DIST / "version.txt").read_text(encoding="ascii").strip()
    except OSError:
        return "unbuilt"


def _page(template: str, status: int = 200, **values: object) -> Response:
    lang = language()
    html = render_template(template, lang=lang, t=text_for(lang), other=LANGUAGES, v=_build(),
                           csrf=sessions.csrf_token(), here=request.full_path.rstrip("?"),
                           **values)
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = _CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def _demo_users() -> list[tuple[str, str, str]]:
    ctx = current_app.extensions["motcua"]
    found = []
    for token in DEMO_USERS:
        try:
            who = authenticate(ctx, token)
        except Unauthenticated:
            continue
        found.append((token, who.name, f"{who.position or who.role} · {who.unit or ''}"))
    return found


def _signin_page(status: int = 200, error: str | None = None) -> Response:
    return _page("signin.html", status, error=error, demo=_demo_users(),
                 next=_local(request.values.get("next")))


@blp.get("/")
def home() -> ResponseReturnValue:
    return redirect("/desk" if sessions.signed_in() else "/signin")


@blp.get("/signin")
def signin_form() -> ResponseReturnValue:
    return _signin_page()


@blp.post("/signin")
def signin() -> ResponseReturnValue:
    t = text_for(language())
    try:
        sessions.check_csrf(request.form.get(sessions.CSRF_FIELD))
    except CsrfRefused:  # e.g. the page was left open past its session: a fresh form
        return _signin_page(403, t["signin_again"])
    token = request.form.get("token", "").strip()
    if token.count(".") == 2:  # a JWT: the provider's own sign-in starts such sessions
        return _signin_page(401, t["signin_jwt"])
    try:
        authenticate_token(token)
    except TooManyAttempts:
        return _signin_page(429, t["signin_throttled"])
    except Unauthenticated:
        return _signin_page(401, t["signin_failed"])
    seconds = current_app.extensions["motcua.session_seconds"]
    sessions.start(hash_token(token), seconds)
    return redirect(_local(request.form.get("next")), 303)


@blp.post("/signout")
def signout() -> ResponseReturnValue:
    sessions.check_csrf(request.form.get(sessions.CSRF_FIELD))
    sessions.end()
    return redirect("/signin", 303)


@blp.get("/lang/<code>")
def choose_language(code: str) -> ResponseReturnValue:
    if code not in LANGUAGES:
        abort(404)
    resp = redirect(_local(request.args.get("next"), "/"))
    resp.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@blp.get("/desk", defaults={"page": "inbox", "key": ""})
@blp.get("/desk/tasks/<key>", defaults={"page": "task"})
@blp.get("/desk/dossiers/<key>", defaults={"page": "dossier"})
def desk(page: str, key: str) -> ResponseReturnValue:
    if not sessions.signed_in():
        return redirect("/signin?next=" + quote(request.full_path.rstrip("?"), safe="/"))
    if not (DIST / f"{page}.js").is_file():
        abort(503, description="the pages are not built: run `make install`")
    return _page("desk.html", page=page, key=key)


@blp.get("/assets/<path:name>")
def asset(name: str) -> ResponseReturnValue:
    if not DIST.is_dir():
        abort(404, description="the pages are not built: run `make install`")
    return send_from_directory(DIST, name, max_age=3600)
