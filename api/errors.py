"""The one place errors become HTTP: application/problem+json with a stable `code`."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from api import body_limits
from engine.errors import Forbidden, InvalidInput, MotcuaError
from engine.metrics import counts

STATUS = {
    "invalid-input": 422,
    "webhook-url-refused": 422,
    "idempotency-key-reused": 422,
    "data-too-large": 422,
    "bpmn-invalid": 422,
    "too-complex": 422,
    "command-time-limit": 422,
    "form-invalid": 422,
    "form-reference-refused": 422,
    "script-error": 422,
    "scenarios-failed": 422,
    "no-active-version": 422,
    "step-limit": 422,
    "process-error": 422,
    "not-found": 404,
    "unauthenticated": 401,
    "forbidden": 403,
    "csrf-refused": 403,
    "task-already-completed": 409,
    "task-held": 409,  # claiming; a refusal to complete or release it is a 403 (Forbidden)
    "unit-exists": 409,
    "too-many-attempts": 429,
    "identity-provider-unavailable": 503,
    "task-not-ready": 409,
    "concurrent-update": 409,
    "dossier-in-error": 409,
    "incident-awaits-command": 409,
    "incident-resolved": 409,
    "dossier-ended": 409,
    "already-rated": 409,
    "not-ratable-yet": 409,
    "no-supplement-requested": 409,
    "too-large": 413,  # a submitted document beyond MOTCUA_MAX_DOCUMENT_BYTES
    "file-type-refused": 422,
    # A stored document no longer matches its checksum: the server's fault, never served.
    "document-corrupt": 500,
    "database-unavailable": 503,
    "commit-unknown": 503,
    "file-store-unavailable": 503,
}


def problem(status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None
            ) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": message, "status": status,
                            "code": code, "detail": message}
    if errors:
        body["errors"] = errors
    if 400 <= status < 500:
        counts.command_refused(code)
    resp = Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/problem+json")
    if status == 401:
        resp.headers["WWW-Authenticate"] = "Bearer"
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(MotcuaError)
    def _business(exc: MotcuaError) -> Response:
        default = 422 if isinstance(exc, InvalidInput) else 400
        # A refusal is a 403 whatever its code says more precisely (e.g. task-held).
        status = 403 if isinstance(exc, Forbidden) else STATUS.get(exc.code, default)
        resp = problem(status, exc.code, exc.message, exc.errors)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            resp.headers["Retry-After"] = str(retry_after)
        return resp

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        message, errors = body_limits.refusal(exc)
        return problem(413, "too-large", message, errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        errors = _webargs_errors(exc)
        code = "invalid-input" if errors else _HTTP_CODES.get(status, "http-error")
        return problem(status, code, exc.description or exc.name, errors)


_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 413: "too-large",
               400: "bad-request", 415: "unsupported-media-type", 500: "internal-error"}


def _webargs_errors(exc: HTTPException) -> list[dict[str, Any]]:
    """flask-smorest reports schema failures as {location: {field: [messages]}}."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return []
    out: list[dict[str, Any]] = []

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                walk(f"{prefix}/{key}", sub)
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            out.extend({"field": prefix or "/", "message": m} for m in node)
        else:
            out.append({"field": prefix or "/", "message": str(node)})

    for location, fields in messages.items():
        walk("", fields) if location in ("json", "query", "form", "files") else walk(location, fields)
    return out
