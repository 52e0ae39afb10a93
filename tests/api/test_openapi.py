"""The served OpenAPI document is valid and describes every endpoint users rely on."""
from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_public(world: Any) -> None:
    r = world.client.get("/api/v1/openapi.json")  # no token: the document is public
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    for path in ("/api/v1/process-definitions", "/api/v1/dossiers",
                 "/api/v1/tasks/{task_id}/complete", "/api/v1/calendars/{calendar_id}/add",
                 "/api/v1/procedures/{code}", "/api/v1/dossiers/{code}/history"):
        assert path in doc["paths"], path


def test_health_is_public(world: Any) -> None:
    r = world.client.get("/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
