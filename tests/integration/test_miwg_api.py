"""Every file of the BPMN Model Interchange Working Group corpus, uploaded over HTTP.

A diagram either deploys (201) or is refused with element-level errors (422); it never
crashes the server. This is the deploy path of `test_definitions.py` on foreign diagrams,
so it runs on SQLite only: the database plays no part in the outcome.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "miwg"
FILES = sorted(CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.integration


@pytest.fixture
def sqlite_world(request: pytest.FixtureRequest, db_url: str) -> Any:
    if request.node.callspec.params.get("db_url") != "sqlite":
        pytest.skip("same code path as on SQLite; the database plays no part")
    return request.getfixturevalue("world")


def test_corpus_is_present() -> None:
    if not FILES:
        pytest.skip(f"no MIWG corpus at {CORPUS}")


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_miwg_file_deploys_or_is_refused_cleanly(sqlite_world: Any, path: Path) -> None:
    world = sqlite_world
    r = world.client.post("/api/v1/process-definitions",
                          data={"bpmn": (io.BytesIO(path.read_bytes()), path.name)},
                          headers=world.headers("designer"), content_type="multipart/form-data")
    assert r.status_code in (201, 422), (r.status_code, r.get_data(as_text=True)[:2000])
    body = r.get_json()
    if r.status_code == 201:
        assert body["version"] == 1 and body["key"]
        xml = world.client.get(f"/api/v1/process-definitions/{body['key']}/versions/1/bpmn",
                               headers=world.headers("designer"))
        assert xml.status_code == 200
        return
    assert r.mimetype == "application/problem+json"
    assert body["code"] == "bpmn-invalid", body
    assert body["errors"], body
    for item in body["errors"]:
        assert isinstance(item.get("element"), str) and item["element"].strip(), item
        assert isinstance(item.get("message"), str) and item["message"].strip(), item
