"""Submitted documents kept in an S3-compatible bucket: the store speaks S3 over HTTP to a
server these tests start on 127.0.0.1 (moto's, in server mode), as it would to any other."""
from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from engine.files import FileMissing, content_key
from engine.files.s3 import S3Files
from tests.api.helpers import assert_problem
from tests.api.test_submitted_documents import EXE, listed, pdf, set_up, upload
from tests.conftest import World, make_world

KEYS = {"access_key": "motcua-test", "secret_key": "motcua-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _bucket(endpoint: str) -> tuple[str, Any]:
    name = "motcua-" + uuid.uuid4().hex[:12]
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS["access_key"],
                          aws_secret_access_key=KEYS["secret_key"])
    client.create_bucket(Bucket=name)
    return name, client


def _objects(client: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture
def office(db_url: str, s3_endpoint: str) -> Iterator[tuple[World, dict[str, Any], str, Any]]:
    bucket, client = _bucket(s3_endpoint)
    w = make_world(db_url, s3_endpoint=s3_endpoint, s3_bucket=bucket, s3_prefix="docs",
                   s3_access_key=KEYS["access_key"], s3_secret_key=KEYS["secret_key"])
    yield w, set_up(w), bucket, client
    w.ctx.db_engine.dispose()


def test_round_trip_through_the_bucket(office: tuple[World, dict[str, Any], str, Any]
                                       ) -> None:
    w, d, bucket, client = office
    paper = pdf("Giấy tờ tùy thân")
    r = upload(w, d["code"], [(paper, "cccd.pdf")])
    assert r.status_code == 201, r.get_json()
    made = r.get_json()["documents"][0]
    assert _objects(client, bucket) == [f"docs/{content_key(made['sha256'])}"]
    got = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{made['id']}",
                       headers=w.headers("client"))
    assert got.status_code == 200 and got.data == paper
    assert [x["kind"] for x in listed(w, d["code"])] == ["receipt", "identity_papers"]


def test_refused_upload_leaves_the_bucket_empty(
        office: tuple[World, dict[str, Any], str, Any]) -> None:
    w, d, bucket, client = office
    assert_problem(upload(w, d["code"], [(EXE, "a.pdf")]), 422, "file-type-refused")
    assert_problem(upload(w, d["code"], [(pdf(), "../../etc/passwd")]), 422, "invalid-input")
    assert _objects(client, bucket) == []
    assert [x["kind"] for x in listed(w, d["code"])] == ["receipt"]


def test_an_object_changed_in_the_bucket_is_reported(
        office: tuple[World, dict[str, Any], str, Any]) -> None:
    w, d, bucket, client = office
    r = upload(w, d["code"], [(pdf(), "cccd.pdf")])
    made = r.get_json()["documents"][0]
    client.put_object(Bucket=bucket, Key=f"docs/{content_key(made['sha256'])}",
                      Body=b"%PDF-1.4 something else")
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{made['id']}",
                     headers=w.headers("client"))
    assert_problem(r, 500, "document-corrupt")
    client.delete_object(Bucket=bucket, Key=f"docs/{content_key(made['sha256'])}")
    r = w.client.get(f"/api/v1/dossiers/{d['code']}/documents/{made['id']}",
                     headers=w.headers("client"))
    assert_problem(r, 500, "document-corrupt")


def test_the_adapter_alone(s3_endpoint: str) -> None:
    bucket, _ = _bucket(s3_endpoint)
    store = S3Files(endpoint=s3_endpoint, bucket=bucket, **KEYS)
    key = content_key("ab" * 32)
    with pytest.raises(FileMissing):
        store.get(key)
    store.put(key, io.BytesIO(b"first"))
    store.put(key, io.BytesIO(b"second"))  # replaced whole
    assert store.get(key) == b"second"
    with pytest.raises(ValueError):
        store.put("../outside", io.BytesIO(b"x"))


def test_a_store_out_of_reach_keeps_nothing(db_url: str) -> None:
    """Nothing listens on the endpoint: the upload is a 503 to send again, no row is made."""
    import socket

    with socket.socket() as probe:  # a port of this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    w = make_world(db_url, s3_endpoint=f"http://127.0.0.1:{port}", s3_bucket="absent", **{
        f"s3_{k}": v for k, v in KEYS.items()})
    try:
        d = set_up(w)
        r = upload(w, d["code"], [(pdf(), "cccd.pdf")])
        assert_problem(r, 503, "file-store-unavailable")
        assert r.headers["Retry-After"] == "5"
        assert [x["kind"] for x in listed(w, d["code"])] == ["receipt"]
    finally:
        w.ctx.db_engine.dispose()
