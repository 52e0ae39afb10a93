"""The Flask app factory: settings in, a ready app out; nothing happens at import time."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from api import (
    assets,
    audit,
    body_limits,
    calendars,
    definitions,
    documents,
    dossier_acts,
    dossiers,
    errors,
    faults,
    health,
    incidents,
    metrics,
    migrations,
    pages,
    pages_audit,
    pages_design,
    pages_public,
    pages_versions,
    portal,
    principals,
    procedures,
    public,
    query_params,
    request_guard,
    sessions,
    signin_oidc,
    stats,
    subscriptions,
    tasks,
    tracking_book,
    units,
)
from api.auth_throttle import FailureCounter
from engine import jsoncodec
from engine.clock import Clock
from engine.services.context import Context
from engine.settings import Settings
from engine.wiring import build_context


def create_app(settings: Settings, *, clock: Clock | None = None,
               context: Context | None = None) -> Flask:
    app = Flask(__name__)
    app.json = _JSON(app)
    app.config.update(
        API_TITLE="motcua",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=assets.SWAGGER_UI_URL,  # served from web/, never a CDN
        MAX_CONTENT_LENGTH=body_limits.OTHER_BYTES,  # each request gets its own limit
        JSON_SORT_KEYS=False,
    )
    ctx = context or build_context(settings, clock)
    app.extensions["motcua"] = ctx
    app.extensions["motcua.auth_failures"] = FailureCounter(settings.redis_url)
    app.extensions["motcua.public_lookups"] = FailureCounter(settings.redis_url,
                                                             prefix="public-lookups")
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]})
    for module in (definitions, procedures, dossiers, dossier_acts, documents, audit, tasks,
                   principals, units, calendars, portal, public, incidents, subscriptions,
                   tracking_book, stats, migrations):
        api.register_blueprint(module.blp)
    metrics.register(app, settings)  # first: it times every request
    health.register(app)
    assets.register(app)
    sessions.register(app, settings)
    pages.register(app)
    signin_oidc.register(app)
    pages_audit.register(app)
    pages_design.register(app)
    pages_versions.register(app)
    pages_public.register(app)
    body_limits.register(app)  # before anything reads the body
    request_guard.register(app)
    query_params.register(app, api)
    errors.register(app)
    faults.register(app)  # once every view is registered
    if settings.proxy_count > 0:  # the proxies' word on the scheme and the client's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count,  # type: ignore[method-assign]
                                x_proto=settings.proxy_count)
    return app


class _JSON(DefaultJSONProvider):
    """Flask's JSON with orjson underneath for plain data; anything else (dates, UUIDs)
    through Flask's own conversions."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:
            return super().dumps(obj, **kwargs)
        try:
            return jsoncodec.dumps(obj)
        except TypeError:
            return super().dumps(obj)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsoncodec.loads(s) if not kwargs else super().loads(s, **kwargs)


def context_of(app: Flask) -> Any:
    return app.extensions["motcua"]
