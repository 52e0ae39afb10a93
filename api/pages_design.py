"""The designers' pages under /design: the modeller (a new diagram, a deployed version or
a local .bpmn file), validated, tried on scenarios and deployed through the same JSON API
as every other client, so the access decisions stay in engine.access.

bpmn-js positions its overlays, the palette and the properties panel's popups with inline
`style` attributes written as HTML, which `style-src 'self'` refuses; the modeller's page
alone therefore allows inline style attributes (`style-src-attr 'unsafe-inline'`), never
inline scripts nor inline stylesheets."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, request
from flask.typing import ResponseReturnValue

from api.page_shell import CSP, page, require_built, signin_redirect

blp = Blueprint("pages_design", __name__, url_prefix="/design")
MODELLER_CSP = CSP + "; style-src 'self'; style-src-attr 'unsafe-inline'"
MAX_KEY = 200  # a process id, as long as a BPMN id may be (engine/bpmn/lengths.py)


def register(app: Flask) -> None:
    app.register_blueprint(blp)


def _opened() -> tuple[str, str]:
    """The deployed version the address names (`?key=K&version=N`), or none: a new diagram.
    Any other parameter, or a version that is not a whole number, is a 400 naming it."""
    unknown = sorted(set(request.args) - {"key", "version"})
    if unknown:
        abort(400, description=f"unknown query parameter {unknown[0]!r} (key, version)")
    key = request.args.get("key", "").strip()
    version = request.args.get("version", "").strip()
    if len(key) > MAX_KEY:
        abort(400, description=f"key is longer than {MAX_KEY} characters")
    if version and not key:
        abort(400, description="version needs the process key: ?key=K&version=N")
    if key and not (version.isdigit() and 0 < int(version) < 2**31):
        abort(400, description="version must be a whole number from 1: ?key=K&version=N")
    return key, version


@blp.get("/modeller")
def modeller() -> ResponseReturnValue:
    gone = signin_redirect()
    if gone is not None:
        return gone
    key, version = _opened()
    require_built("modeller")
    resp = page("modeller.html", page="modeller", key=key, version=version)
    resp.headers["Content-Security-Policy"] = MODELLER_CSP
    return resp
