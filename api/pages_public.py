"""The public pages, without sign-in, Vietnamese first: the dossier lookup (its code and the
applicant's identity number or the secret printed on the receipt), the rating of the
service, and the dashboard of the published figures (by unit and month, charts and tables,
the Decision 766 indicators), printable.

Shells like every page: their data comes from the public JSON API (api/public.py,
api/stats.py) with its own checks and its limit of lookups per address.
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app
from flask.typing import ResponseReturnValue

from api.page_shell import page, require_built
from engine.services.public import figures

blp = Blueprint("pages_public", __name__)
PAGES = ("lookup", "rating", "figures")


def register(app: Flask) -> None:
    app.register_blueprint(blp)


@blp.get("/public")
def home() -> ResponseReturnValue:
    return page("public_home.html", page="public", pages=PAGES)


@blp.get("/public/lookup", defaults={"view": "lookup"})
@blp.get("/public/rating", defaults={"view": "rating"})
@blp.get("/public/figures", defaults={"view": "figures"})
def public_page(view: str) -> ResponseReturnValue:
    require_built(view)
    provinces = figures.provinces(current_app.extensions["motcua"]) if view == "figures" else []
    return page("public.html", page=view, pages=PAGES, provinces=",".join(provinces))
