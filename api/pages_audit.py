"""The auditors' pages: the dossier search (`/audit`) and the replay viewer of one dossier
(`/audit/dossiers/<code>`): its history event by event with its path on the diagram, the
verification of its record, its control sheet and tracking book.

Shells like every page: their data comes from the JSON API with the session cookie, so what
a caller finds and replays is what engine.access lets them read (an officer who opens them
sees the dossiers of their own units, a designer is refused by the API)."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from api.page_shell import signed_in_page

blp = Blueprint("pages_audit", __name__, url_prefix="/audit")


def register(app: Flask) -> None:
    app.register_blueprint(blp)


@blp.get("", defaults={"view": "audit", "code": ""}, strict_slashes=False)
@blp.get("/dossiers/<code>", defaults={"view": "replay"})
def audit(view: str, code: str) -> ResponseReturnValue:
    return signed_in_page("audit.html", view, key=code)
