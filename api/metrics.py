"""GET /metrics (Prometheus's text format; outside the OpenAPI document, like /health), and
the timing of every request by its route template."""
from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, current_app, g, request

from engine.errors import Unauthenticated
from engine.metrics import counts
from engine.metrics.exposition import CONTENT_TYPE, render
from engine.metrics.files import ENV, base_dir
from engine.services.flow.backlog import backlog
from engine.settings import Settings


def register(app: Flask, settings: Settings) -> None:
    """The route, and the hooks that time each request (register before any other
    `before_request`, so a request another hook refuses is timed too)."""
    base = base_dir(settings.metrics_dir, settings.database_url)
    token = settings.metrics_token

    @app.before_request
    def _started() -> None:
        g.motcua_started = time.perf_counter()

    @app.after_request
    def _served(response: Response) -> Response:
        started = g.get("motcua_started")
        if started is not None:
            rule = request.url_rule
            counts.request_served(request.method, rule.rule if rule is not None else None,
                                   response.status_code, time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def scrape() -> Response:
        if token and not _bearer_is(token):
            raise Unauthenticated("the metrics need the bearer token the server was given "
                                  "(MOTCUA_METRICS_TOKEN)")
        body = render(base, os.environ.get(ENV), backlog(current_app.extensions["motcua"]))
        return Response(body, content_type=CONTENT_TYPE)


def _bearer_is(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())
