"""Form references resolve among the forms deployed together, and nothing else is fetched:
not at deploy, not when a task is completed, not for a version stored before the check."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.api.helpers import (
    TWO_STEPS,
    assert_problem,
    complete,
    dossier,
    post_bpmn,
    started,
    step,
    two_steps_forms,
)
from tests.listener import Listener, listening

API = "/api/v1/process-definitions"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
COMMON = {
    "$schema": DRAFT,
    "$defs": {
        "copies": {"type": "integer", "minimum": 1, "maximum": 10},
        "address": {"type": "object", "properties": {"street": {"$ref": "#/$defs/text"}},
                    "required": ["street"]},
        "text": {"type": "string", "minLength": 3},
    },
}


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


@pytest.fixture
def secret(tmp_path: Path) -> tuple[Path, str]:
    """A file whose content must never appear in any response."""
    text = "TOP-SECRET-7f3a9c"
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"type": "string", "description": text}), encoding="utf-8")
    return path, text


def _receive(copies: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": DRAFT, "type": "object", "required": ["copies"],
            "properties": {"copies": copies, "note": {"type": "string"}}, **extra}


# -- references that stay inside the deployment -----------------------------------------

def test_forms_refer_to_another_uploaded_form_end_to_end(world: Any) -> None:
    forms = two_steps_forms()
    receive = _receive({"$ref": "common.json#/$defs/copies"})
    receive["properties"]["address"] = {"$ref": "common.json#/$defs/address"}
    forms["receive.json"] = _json(receive)
    forms["common.json"] = _json(COMMON)  # named by no task: stored because referred to
    forms["unused.json"] = b"not even JSON"  # neither named nor referred to: ignored
    r = post_bpmn(world, TWO_STEPS.read_bytes(), forms)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["forms"] == ["appraise.json", "common.json", "receive.json"]

    world.principal("receiver", "officer", unit=world.unit, position="reception")
    code = started(world)["code"]
    task_id = step(dossier(world, code), "receive")["task_id"]
    r = complete(world, task_id, {"copies": 0, "address": {"street": "x"}}, who="receiver")
    body = assert_problem(r, 422, "form-invalid")
    assert {e["field"] for e in body["errors"]} == {"/copies", "/address/street"}
    r = complete(world, task_id, {"copies": 2, "address": {}}, who="receiver")
    assert [e["field"] for e in assert_problem(r, 422, "form-invalid")["errors"]] == ["/address/street"]  # the missing property itself
    r = complete(world, task_id, {"copies": 2, "address": {"street": "Hàng Bài"}},
                 who="receiver")
    assert r.status_code == 200, r.get_json()


# -- references that would leave it -----------------------------------------------------

# case -> (receive.json, given the listener's URL and the secret file; the form file and
# the JSON pointer the error must name)
OUTSIDE: dict[str, tuple[Any, str, str]] = {
    "http": (lambda url, f: _receive({"$ref": f"{url}/common.json"}),
             "receive.json", "/properties/copies/$ref"),
    "https": (lambda url, f: _receive({"$ref": url.replace("http:", "https:") + "/x.json"}),
              "receive.json", "/properties/copies/$ref"),
    "ftp": (lambda url, f: _receive({"$ref": url.replace("http:", "ftp:") + "/x.json"}),
            "receive.json", "/properties/copies/$ref"),
    "file-secret": (lambda url, f: _receive({"$ref": f.as_uri()}),
                    "receive.json", "/properties/copies/$ref"),
    "file-passwd": (lambda url, f: _receive({"allOf": [{"$ref": "file:///etc/passwd"}]}),
                    "receive.json", "/properties/copies/allOf/0/$ref"),
    "urn": (lambda url, f: _receive({"$ref": "urn:motcua:forms:common"}),
            "receive.json", "/properties/copies/$ref"),
    "unknown-scheme": (lambda url, f: _receive({"$ref": "motcua-x://forms/common"}),
                       "receive.json", "/properties/copies/$ref"),
    "file-not-uploaded": (lambda url, f: _receive({"$ref": "missing.json#/$defs/copies"}),
                          "receive.json", "/properties/copies/$ref"),
    "pointer-to-nothing": (lambda url, f: _receive({"$ref": "#/$defs/nothing"}),
                           "receive.json", "/properties/copies/$ref"),
    "pointer-to-nothing-in-another-form": (
        lambda url, f: _receive({"$ref": "common.json#/$defs/nothing"}),
        "receive.json", "/properties/copies/$ref"),
    "no-such-anchor": (lambda url, f: _receive({"$ref": "#nowhere"}),
                       "receive.json", "/properties/copies/$ref"),
    "id-rebases-onto-a-remote-uri": (
        lambda url, f: _receive({"$id": f"{url}/forms/", "$ref": "common.json"}),
        "receive.json", "/properties/copies/$ref"),
    "root-id-elsewhere": (
        lambda url, f: _receive({"$ref": "common.json#/$defs/copies"}, **{"$id": f"{url}/r"}),
        "receive.json", "/$id"),
    "dynamic-ref": (lambda url, f: _receive({"$dynamicRef": f"{url}/meta#meta"}),
                    "receive.json", "/properties/copies/$dynamicRef"),
    "recursive-ref": (
        lambda url, f: {"$schema": "https://json-schema.org/draft/2019-09/schema",
                        "type": "object", "$recursiveRef": f"{url}/x"},
        "receive.json", "/$recursiveRef"),
    "unknown-dialect": (lambda url, f: _receive({"type": "integer"}, **{"$schema": url}),
                        "receive.json", "/$schema"),
    "reference-loop": (lambda url, f: _receive({"allOf": [{"$ref": "#/properties/copies"}]}),
                       "receive.json", "/properties/copies"),
    "through-another-form": (
        lambda url, f: _receive({"$ref": "common.json#/$defs/copies"}),
        "common.json", "/$defs/copies/$ref"),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
@pytest.mark.parametrize("path", [API, f"{API}/validate"], ids=["deploy", "validate"])
def test_reference_outside_the_deployment_is_refused_naming_form_and_pointer(
        world: Any, listener: Listener, secret: tuple[Path, str], case: str, path: str) -> None:
    make, form, pointer = OUTSIDE[case]
    secret_path, secret_text = secret
    forms = two_steps_forms()
    forms["receive.json"] = _json(make(listener.url, secret_path))
    common = json.loads(json.dumps(COMMON))
    if case == "through-another-form":
        common["$defs"]["copies"] = {"$ref": f"{listener.url}/copies.json"}
    forms["common.json"] = _json(common)

    r = post_bpmn(world, TWO_STEPS.read_bytes(), forms, path=path)
    body = assert_problem(r, 422, "bpmn-invalid")
    named = [e for e in body["errors"] if e["element"] == form and f"{pointer}" in e["message"]]
    assert named, body["errors"]
    assert secret_text not in r.get_data(as_text=True)
    assert "root:" not in r.get_data(as_text=True)
    assert listener.seen() == 0
    listed = world.client.get(API, headers=world.headers("auditor")).get_json()
    assert listed == []


# -- a version stored before deployments checked references -----------------------------

@pytest.mark.parametrize("ref", ["listener", "secret", "urn:motcua:x", "file:///etc/passwd",
                                 "#/allOf/x", "#/properties/copies"])
def test_completion_of_a_stored_version_fetches_nothing(
        world: Any, listener: Listener, secret: tuple[Path, str], ref: str) -> None:
    from engine.store.models import ProcessDefinition

    secret_path, secret_text = secret
    target = {"listener": f"{listener.url}/copies.json", "secret": secret_path.as_uri()}
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    # As an older deployment could have stored it, written straight into the database.
    stored = {name: json.loads(raw) for name, raw in two_steps_forms().items()}
    stored["receive.json"] = _receive({"$ref": target.get(ref, ref)})
    with world.ctx.db_engine.begin() as conn:
        conn.execute(update(ProcessDefinition)
                     .where(ProcessDefinition.province == world.province)
                     .values(forms=stored))

    world.principal("receiver", "officer", unit=world.unit, position="reception")
    code = started(world)["code"]
    before = dossier(world, code)
    task_id = step(before, "receive")["task_id"]
    r = world.client.get(f"/api/v1/tasks/{task_id}", headers=world.headers("receiver"))
    assert r.status_code == 200
    r = complete(world, task_id, {"copies": 1, "note": "x"}, who="receiver")
    body = assert_problem(r, 422, "form-reference-refused")
    assert "receive.json" in body["detail"]
    assert body["errors"][0]["form"] == "receive.json"
    assert secret_text not in r.get_data(as_text=True)
    assert "root:" not in r.get_data(as_text=True)
    assert listener.seen() == 0
    assert dossier(world, code)["current_steps"] == before["current_steps"]
