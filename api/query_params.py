"""Every query parameter is one the operation declares: an unknown one (a misspelt filter,
a filter the operation does not have) is a 422 naming it, never silently ignored.

What each operation declares is read from the OpenAPI document itself, once, after the
blueprints are registered: an operation added later is covered without being listed here.
"""
from __future__ import annotations

import re

from flask import Flask, request
from flask_smorest import Api

from engine.errors import InvalidInput

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def register(app: Flask, api: Api) -> None:
    declared: dict[tuple[str, str], frozenset[str]] = {}

    @app.before_request
    def _known_parameters_only() -> None:
        if not request.args or request.url_rule is None:
            return
        if not declared:  # built on the first request with a query, not per app
            declared.update(_declared(api))
        allowed = declared.get((_CONVERTER.sub(r"{\1}", request.url_rule.rule), request.method))
        if allowed is None:  # not an operation of the document (health, the docs page)
            return
        unknown = [name for name in request.args if name not in allowed]
        if unknown:
            hint = f"known: {', '.join(sorted(allowed))}" if allowed else "it takes none"
            raise InvalidInput(
                f"unknown query parameter {', '.join(unknown)}; {hint}",
                errors=[{"field": f"/{name}", "message": f"unknown parameter; {hint}"}
                        for name in unknown])


def _declared(api: Api) -> dict[tuple[str, str], frozenset[str]]:
    """(path as in the document, METHOD) -> the names of its query parameters."""
    out = {}
    for path, item in api.spec.to_dict()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                out[(path, method.upper())] = frozenset(
                    p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")
    return out
