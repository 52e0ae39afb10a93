"""Every operation of the OpenAPI document refuses a query parameter it does not declare
(422 naming it) and accepts the ones it does: read from the document, so operations added
later are covered too."""
from __future__ import annotations

import re

from tests.conftest import World


def test_every_operation_refuses_an_unknown_query_parameter(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, item in spec["paths"].items():
        url = re.sub(r"\{\w+\}", "1", path)
        for method in item:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            r = world.client.open(url, method=method.upper(), headers=world.headers("admin"),
                                  query_string={"no_such_filter": "1"})
            if path == "/api/v1/openapi.json":
                assert r.status_code == 200
                continue
            assert r.status_code == 422, (method, path, r.status_code)
            assert [e["field"] for e in r.get_json()["errors"]] == ["/no_such_filter"]
            checked += 1
    assert checked > 20


def test_declared_parameters_still_work(world: World) -> None:
    r = world.client.get("/api/v1/dossiers?limit=5&timeliness=overdue",
                         headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    r = world.client.get("/api/v1/calendars/vn?resolved=true", headers=world.headers("admin"))
    assert r.status_code == 200
    r = world.client.get("/api/v1/units?kind=department&limit=1", headers=world.headers("admin"))
    assert r.status_code == 200
