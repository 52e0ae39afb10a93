"""Liveness: the database answers."""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import text


def register(app: Flask) -> None:
    @app.get("/health")
    def health() -> tuple[dict[str, str], int]:
        ctx = current_app.extensions["motcua"]
        try:
            with ctx.db_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # report, don't raise: this is what monitoring reads
            return {"status": "down", "database": str(exc)[:200]}, 503
        return {"status": "ok"}, 200
