"""Input bounded where it enters: what SQLite would take and PostgreSQL refuse, what the
store would not give back unchanged, and what would break a dossier later, is a 422
naming the field, with nothing stored."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.helpers import assert_problem, complete, dossier, intake, post_bpmn, started


@pytest.mark.parametrize(("data", "field", "message"), [
    ('{"x": NaN}', "/", "NaN, Infinity"),
    ('{"x": -Infinity}', "/", "are not JSON"),
    ('{"x": 1e400}', "/", "infinity"),
    ('{"x": "\\ud800"}', "/", "surrogate"),
    ('{"x": [1, 18446744073709551616]}', "/data/x/1", "beyond 64 bits"),
    ('{"x": -9223372036854775809}', "/data/x", "beyond 64 bits"),
])
def test_json_the_store_would_not_give_back_unchanged_is_refused(
        two_steps: Any, data: str, field: str, message: str) -> None:
    """NaN would be stored as null (and break the hash chain), a lone surrogate could not
    be stored, a huge integer would come back as a float."""
    body = '{"process_key": "two_steps", "applicant": {"name": "A"}, "data": %s}' % data
    r = two_steps.client.post("/api/v1/dossiers", data=body, content_type="application/json",
                              headers=two_steps.headers("client"))
    [error] = assert_problem(r, 422, "invalid-input")["errors"]
    assert error["field"] == field and message in error["message"], error
    r = two_steps.client.get("/api/v1/dossiers", headers=two_steps.headers("auditor"))
    assert r.get_json()["total"] == 0


def test_integers_up_to_64_bits_and_long_digit_strings_are_kept_exactly(
        two_steps: Any) -> None:
    data = {"big": 18446744073709551615, "low": -9223372036854775808,
            "id": "123456789012345678901234567890", "f": 0.1}
    d = started(two_steps, data=data)
    assert {k: dossier(two_steps, d["code"])["data"][k] for k in data} == data


def test_multipart_parts_without_names_are_not_a_server_error(world: Any) -> None:
    """A part with no name, one whose name is not UTF-8, and a NUL in a part (the request
    guard reads every part before the view does)."""
    body = (b'--bb\r\nContent-Disposition: form-data; name="\xf3\x82\xb7\x89"\r\n\r\nv\r\n'
            b"--bb\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
            b'--bb\r\nContent-Disposition: form-data; name="forms"; filename="f"\r\n\r\n'
            b"\xff\x00\r\n--bb--\r\n")
    r = world.client.post("/api/v1/process-definitions/validate", data=body,
                          content_type="multipart/form-data; boundary=bb",
                          headers=world.headers("designer"))
    assert_problem(r, 422, r.get_json()["code"])
    body = b'--bb\r\nContent-Disposition: form-data; name="note"\r\n\r\na\x00b\r\n--bb--\r\n'
    r = world.client.post("/api/v1/process-definitions/validate", data=body,
                          content_type="multipart/form-data; boundary=bb",
                          headers=world.headers("designer"))
    assert [e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]] == ["/note"]


def test_nul_characters_are_refused_naming_the_field(two_steps: Any) -> None:
    """PostgreSQL cannot store NUL in text: refused on both backends alike, nothing stored."""
    w = two_steps
    body = assert_problem(intake(w, applicant={"name": "A\u0000B"},
                                 data={"ok": ["x", "\x00"]}), 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"/applicant/name", "/data/ok/1"}
    body = assert_problem(intake(w, headers={"Idempotency-Key": "k\x00"}), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    body = assert_problem(intake(w, headers={"Idempotency-Key": "k" * 201}), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    r = w.client.get("/api/v1/dossiers?process_key=a%00b", headers=w.headers("auditor"))
    assert [e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]] == \
        ["/process_key"]
    r = w.client.post("/api/v1/principals", json={"name": "\u0000", "role": "officer"},
                      headers=w.headers("admin"))
    assert [e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]] == ["/name"]
    r = w.client.get("/api/v1/dossiers", headers=w.headers("auditor"))
    assert r.status_code == 200 and r.get_json()["total"] == 0
    assert intake(w, applicant={"name": "A\\u0000 is fine as text"}).status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/tasks"])
def test_paging_offset_beyond_32_bits_is_refused(world: Any, path: str) -> None:
    for offset in ("2147483648", "55547099065147801600"):
        r = world.client.get(f"{path}?offset={offset}", headers=world.headers("auditor"))
        body = assert_problem(r, 422, "invalid-input")
        assert "offset" in json.dumps(body), body
    r = world.client.get(f"{path}?offset=2147483647", headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()


def _nested(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _nested_json(depth: int, leaf: str = "0") -> str:
    """JSON text `depth` lists deep: no JSON library writes that deep."""
    return "[" * depth + leaf + "]" * depth


def test_data_nested_too_deep_is_refused_before_anything_is_stored(two_steps: Any) -> None:
    """Hundreds of levels were once accepted at intake, after which every reading of the
    dossier failed (SpiffWorkflow restores task data recursively)."""
    from tests.api.helpers import API_DATA

    world = two_steps
    deep = "/data/deep" + "/0" * 31
    body = assert_problem(_intake_raw(world, data=f'{{"deep": {_nested_json(50)}}}'), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == [deep], body
    # Deeper than any body may nest: refused by the request guard, at its own limit.
    body = assert_problem(_intake_raw(world, data=f'{{"deep": {_nested_json(900)}}}'), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["/data/deep" + "/0" * 62], body
    body = assert_problem(_intake_raw(world, applicant=f'{{"x": {_nested_json(40)}}}'),
                          422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["/applicant/x" + "/0" * 31], body
    # NUL deep inside: still a 422, not a recursion error in the guard.
    nul = '"a\\u0000"'  # JSON text of a string holding NUL
    body = assert_problem(_intake_raw(world, data=f'{{"deep": {_nested_json(1000, nul)}}}'),
                          422, "invalid-input")
    assert body["errors"][0]["field"].startswith("/data/deep/0/0"), body
    r = world.client.get("/api/v1/dossiers", headers=world.headers("auditor"))
    assert r.get_json()["total"] == 0
    # 32 levels in all are fine, and the dossier reads back.
    ok = _intake_raw(world, data=f'{{"deep": {_nested_json(30)}}}')
    assert ok.status_code == 201, ok.get_json()
    assert dossier(world, ok.get_json()["code"])["data"]["deep"] == _nested(30)

    assert post_bpmn(world, (API_DATA / "wait_message.bpmn").read_bytes()).status_code == 201
    code = started(world, process_key="wait_message")["code"]
    r = world.client.post(f"/api/v1/dossiers/{code}/messages/paid",
                          json={"payload": {"x": _nested(40)}}, headers=world.headers("client"))
    assert [e["field"] for e in assert_problem(r, 422, "invalid-input")["errors"]] == \
        ["/payload/x" + "/0" * 31]


def test_completion_data_nested_too_deep_is_refused(two_steps: Any) -> None:
    d = started(two_steps)
    task_id = d["current_steps"][0]["task_id"]
    r = complete(two_steps, task_id, {"approved": True, "x": _nested(40)})
    body = assert_problem(r, 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["/data/x" + "/0" * 31]
    assert dossier(two_steps, d["code"])["current_steps"][0]["task_id"] == task_id


def _intake_raw(world: Any, data: str = "{}", applicant: str = '{"name": "A"}') -> Any:
    text = f'{{"process_key": "two_steps", "applicant": {applicant}, "data": {data}}}'
    return world.client.post("/api/v1/dossiers", data=text, content_type="application/json",
                             headers=world.headers("client"))
