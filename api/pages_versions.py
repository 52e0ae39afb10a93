"""The designers' pages: their home (`/design`: procedures, process versions and their
states, activation and retirement, the difference between two versions) and the form
editor (`/design/forms`: a JSON Schema beside the form it renders, checked on the server).

The pages are shells like the desk's: what they show and may do comes from the JSON API
with the session cookie, so engine.access decides (an officer who tries to activate a
version is shown the API's refusal). The modeller is another area's page (/design/modeller).
"""
from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from api.page_shell import signed_in_page

blp = Blueprint("pages-versions", __name__, url_prefix="/design")


def register(app: Flask) -> None:
    app.register_blueprint(blp)


def _designer_page(script: str, title: str) -> ResponseReturnValue:
    return signed_in_page("versions.html", script, title=title)


@blp.get("", strict_slashes=False)
def versions() -> ResponseReturnValue:
    """Procedures and process versions."""
    return _designer_page("versions", "design")


@blp.get("/forms")
def form_editor() -> ResponseReturnValue:
    """A JSON Schema form and its live preview (`?key=K&version=N&form=F` opens that form
    of a deployed version; without them, a blank one)."""
    return _designer_page("form-editor", "form_editor")
