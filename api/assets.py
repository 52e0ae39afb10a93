"""Front-end assets installed from npm at set-up (`web/`, `make install`): served by the app,
so that nothing is fetched from the internet at run time. Swagger UI's files make
/api/v1/docs work offline."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory
from flask.typing import ResponseReturnValue

WEB = Path(__file__).resolve().parent.parent / "web"
DIST = WEB / "dist"  # the pages' bundles (web/build.mjs)
SWAGGER_UI = WEB / "node_modules" / "swagger-ui-dist"
SWAGGER_UI_URL = "/api/v1/docs/assets/"


def register(app: Flask) -> None:
    @app.get(f"{SWAGGER_UI_URL}<path:name>")
    def swagger_ui_asset(name: str) -> ResponseReturnValue:
        if not SWAGGER_UI.is_dir():
            abort(404, description="the web assets are not installed: run `make install`")
        return send_from_directory(SWAGGER_UI, name, max_age=3600)
