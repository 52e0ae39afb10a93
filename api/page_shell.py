"""What every served page shares: its language, its bundle version, the headers it is sent
with, and the sign-in it requires. Each area's pages (desk, design, audit, public) are a
blueprint of their own that renders through `page`."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from api import auth, sessions
from api.assets import DIST
from api.page_text import LANGUAGES, text_for
from engine.errors import Unauthenticated

LANG_COOKIE = "motcua_lang"
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def language() -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGUAGES else "vi"


def local(path: str | None, default: str = "/desk") -> str:
    """`path` if it is a path of this site (never another site's address), else `default`."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


def build_version() -> str:
    """The bundle's version (web/build.mjs), named in the pages' asset URLs."""
    try:
        return (DIST / "version.txt").read_text(encoding="ascii").strip()
    except OSError:
        return "unbuilt"


def page(template: str, status: int = 200, **values: object) -> Response:
    lang = language()
    html = render_template(template, lang=lang, t=text_for(lang), other=LANGUAGES,
                           v=build_version(), csrf=sessions.csrf_token(),
                           here=request.full_path.rstrip("?"), **values)
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def signin_redirect() -> BaseResponse | None:
    """The way to the sign-in page (coming back here after), or None when signed in as a
    principal who may still sign in (not disabled, its token not rotated or revoked)."""
    if sessions.signed_in():
        try:
            auth.caller()
            return None
        except Unauthenticated:
            sessions.end()
    return redirect("/signin?next=" + quote(request.full_path.rstrip("?"), safe="/"))


def signed_in_page(template: str, script: str, **values: object) -> BaseResponse:
    """A page for principals signed in (else the way to sign in), whose script is `script`
    (503 when it was never bundled)."""
    gone = signin_redirect()
    if gone is not None:
        return gone
    require_built(script)
    return page(template, 200, page=script, **values)


def require_built(script: str) -> None:
    """A 503 naming the fix when the page's script was never bundled."""
    if not (DIST / f"{script}.js").is_file():
        abort(503, description="the pages are not built: run `make install`")
