"""Request bodies are bounded per route before they are read (413, naming the limit), and
JSON nested too deep is a 422 naming where, on every route, with or without a token."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from api.json_depth import MAX_DEPTH
from tests.api.helpers import TWO_STEPS, assert_problem, post_bpmn, two_steps_forms
from tests.conftest import World, make_world


@pytest.fixture
def small(db_url: str) -> Iterator[World]:
    """A world whose limits are small enough to cross cheaply."""
    w = make_world(db_url, max_json_bytes=4_000, max_upload_bytes=3_000)
    yield w
    w.ctx.db_engine.dispose()


def _intake_body(size: int) -> bytes:
    """An intake body of exactly `size` bytes."""
    head = b'{"process_key": "two_steps", "applicant": {"name": "A"}, "data": {"pad": "'
    tail = b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def _chunked(body: bytes) -> dict[str, Any]:
    """A body sent without Content-Length, as a server that reads chunked bodies hands it
    (gunicorn, werkzeug's own: the stream ends where the body does)."""
    return {"input_stream": io.BytesIO(body),
            "environ_overrides": {"wsgi.input_terminated": True,
                                  "HTTP_TRANSFER_ENCODING": "chunked"}}


def test_json_body_beyond_its_limit_is_refused_unread(small: World) -> None:
    w = small
    r = w.client.post("/api/v1/dossiers", data=_intake_body(4_001),
                      content_type="application/json", headers=w.headers("client"))
    body = assert_problem(r, 413, "too-large")
    assert "4000 bytes" in body["detail"] and "MOTCUA_MAX_JSON_BYTES" in body["detail"], body
    # Refused from its Content-Length: the view never ran, no token needed to be refused.
    r = w.client.post("/api/v1/tasks/x/complete", data=_intake_body(4_001),
                      content_type="application/json")
    assert_problem(r, 413, "too-large")
    assert w.client.get("/api/v1/dossiers", headers=w.headers("auditor")).get_json()[
        "total"] == 0


def test_chunked_json_body_is_cut_off_at_its_limit(small: World) -> None:
    w = small
    for size in (4_001, 50_000):
        r = w.client.post("/api/v1/dossiers", content_type="application/json",
                          headers=w.headers("client"), **_chunked(_intake_body(size)))
        assert "4000 bytes" in assert_problem(r, 413, "too-large")["detail"]


def test_json_body_within_its_limit_is_served(small: World) -> None:
    w = small
    assert post_bpmn(w, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = w.client.post("/api/v1/dossiers", data=_intake_body(4_000),
                      content_type="application/json", headers=w.headers("client"))
    assert r.status_code == 201, r.get_json()
    r = w.client.post("/api/v1/dossiers", content_type="application/json",
                      headers=w.headers("client"), **_chunked(_intake_body(4_000)))
    assert r.status_code == 201, r.get_json()


def test_upload_beyond_its_limits_is_refused(small: World) -> None:
    """Each file at most max_upload_bytes (the file named), the whole upload twice that."""
    w = small
    xml = TWO_STEPS.read_bytes()
    padded = xml + b"<!--" + b"p" * (3_001 - len(xml) - 7) + b"-->"
    assert len(padded) == 3_001
    body = assert_problem(post_bpmn(w, padded), 413, "too-large")
    assert [e["field"] for e in body["errors"]] == ["bpmn"] and "3000 bytes" in body["detail"]
    forms = {"a.json": b" " * 2_000, "b.json": b" " * 2_000, "c.json": b" " * 2_000}
    body = assert_problem(post_bpmn(w, xml, forms), 413, "too-large")
    assert "6000 bytes" in body["detail"] and "MOTCUA_MAX_UPLOAD_BYTES" in body["detail"], body
    r = w.client.post("/api/v1/process-definitions", headers=w.headers("designer"),
                      content_type="multipart/form-data; boundary=bb",
                      **_chunked(b"--bb\r\n" + b"x" * 10_000))
    assert "6000 bytes" in assert_problem(r, 413, "too-large")["detail"]
    assert post_bpmn(w, xml, two_steps_forms()).status_code == 201


def test_any_other_body_is_small(world: World) -> None:
    r = world.client.put("/api/v1/calendars/x", data=b"a=" + b"b" * 70_000,
                         content_type="application/x-www-form-urlencoded",
                         headers=world.headers("designer"))
    assert "65536 bytes" in assert_problem(r, 413, "too-large")["detail"]


def _deep(depth: int, opener: str = "[", closer: str = "]", leaf: str = "0") -> str:
    return opener * depth + leaf + closer * depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 1_024, 1_025, 2_000, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/tasks/t/complete",
                                  "/api/v1/principals", "/api/v1/dossiers/c/messages/m",
                                  "/api/v1/calendars/c", "/api/v1/nowhere"])
def test_json_nested_too_deep_is_a_422_naming_where_without_a_token(
        world: World, depth: int, path: str) -> None:
    """Once a 500 between 975 and 1,020 levels (the views' schema parsing recursed), and
    beyond 1,024 a vague refusal (orjson's own limit)."""
    method = world.client.put if path.startswith("/api/v1/calendars") else world.client.post
    r = method(path, data='{"data": {"x": %s}}' % _deep(depth - 2),
               content_type="application/json")
    [error] = assert_problem(r, 422, "invalid-input")["errors"]
    assert error["field"] == "/data/x" + "/0" * (MAX_DEPTH - 2), error
    assert f"more than {MAX_DEPTH} levels" in error["message"]


def test_objects_nest_as_arrays_do_and_keys_are_named(world: World) -> None:
    deep = '{"k\\"\\u00e9": ' * 70 + "1" + "}" * 70
    r = world.client.post("/api/v1/dossiers", data=deep, content_type="application/json",
                          headers=world.headers("client"))
    [error] = assert_problem(r, 422, "invalid-input")["errors"]
    assert error["field"] == '/k"é' * MAX_DEPTH, error
    # Wide is fine: brackets at one level do not add up.
    wide = json.dumps({"process_key": "none", "applicant": {"name": "A"},
                       "data": {"rows": [[{"a": [1]}] for _ in range(500)]}})
    r = world.client.post("/api/v1/dossiers", data=wide, content_type="application/json",
                          headers=world.headers("client"))
    assert_problem(r, 404, "not-found")
