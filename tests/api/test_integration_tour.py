"""The README's round of an integration client, played on the demo with the same requests:
the receiver is the README's own Python (run as it is, on a free port), which prints whether
each delivery's signature checks; the portal subscribes, starts a dossier with its channel,
submission instant and the applicant's papers (multipart), reports a message early (kept),
reads the delivery log and the packet; the administrator sets up the push to the national
portal."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.api.test_portal_push import BOUND, portal
from tests.api.test_submitted_documents import pdf
from tests.conftest import World
from tests.integration.production import wait_for

__all__ = ["portal"]  # the fixture
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_receiver() -> str:
    """The Python block that follows the mention of `receiver.py`."""
    text = README.read_text()
    found = re.search(r"`receiver\.py`.*?```python\n(.*?)```", text, re.S)
    assert found, "the README shows its receiver"
    return found.group(1)


@pytest.fixture
def hook_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DOSSIER = {"process_key": "judicial_record_certificate", "channel": "online",
           "submitted_at": "2026-03-01T21:15:00+07:00",
           "applicant": {"type": "citizen", "name": "Trần Minh Khoa",
                         "id_number": "001095012345"},
           "data": {"person_name": "Trần Minh Khoa", "person_id_number": "001095012345",
                    "date_of_birth": "1995-04-12", "residence": "Thôn Đông, xã Yên Bình",
                    "certificate_type": "1", "purpose": "Xin việc", "copies": 1}}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def readme_dossier() -> dict[str, Any]:
    """The dossier.json the README writes for its multipart intake."""
    found = re.search(r"cat > dossier\.json <<'EOF'\n(.*?)\nEOF", README.read_text(), re.S)
    assert found, "the README starts its dossier with the applicant's papers"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def post(c: FlaskClient, who: str, path: str, body: dict[str, Any]) -> Any:
    return c.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer demo-{who}"})


def get(c: FlaskClient, who: str, path: str) -> Any:
    r = c.get(f"/api/v1{path}", headers={"Authorization": f"Bearer demo-{who}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_readme_round_of_an_integration_client(
        portal: tuple[World, ManualClock], hook_port: int, tmp_path: Path) -> None:
    w, _ = portal
    c = w.client
    assert readme_dossier() == DOSSIER
    r = post(c, "client", "/subscriptions", {
        "url": f"http://127.0.0.1:{hook_port}/hooks",
        "event_types": ["dossier.status_changed", "task.created",
                        "dossier.portal_status_changed"]})
    assert r.status_code == 201, r.get_json()
    secret, sub_id = r.get_json()["secret"], r.get_json()["id"]
    script = tmp_path / "receiver.py"
    script.write_text(readme_receiver())
    out = tmp_path / "receiver.out"
    with out.open("w") as sink:
        proc = subprocess.Popen([sys.executable, str(script)], stdout=sink,
                                stderr=subprocess.DEVNULL,
                                env={**os.environ, "SECRET": secret, "PORT": str(hook_port)})
    try:
        wait_for(lambda: _listening(hook_port) or None, BOUND, "the README's receiver")
        # The dossier and the applicant's papers in one multipart request, as curl -F sends.
        form, card = pdf("Tờ khai"), JPEG
        r = c.post("/api/v1/dossiers", content_type="multipart/form-data", headers={
            "Authorization": "Bearer demo-client", "Idempotency-Key": "portal-tour"}, data={
            "dossier": json.dumps(DOSSIER, ensure_ascii=False),
            "file.request_form": (io.BytesIO(form), "to-khai.pdf"),
            "file.identity_papers": (io.BytesIO(card), "cccd.jpg")})
        assert r.status_code == 201, r.get_json()
        code = r.get_json()["code"]
        papers = get(c, "client", f"/dossiers/{code}/documents")["documents"]
        assert [(d["kind"], d["file_name"], d["content_type"], d["source"], d["sha256"])
                for d in papers] == [
            ("request_form", "to-khai.pdf", "application/pdf", "submitted",
             hashlib.sha256(form).hexdigest()),
            ("identity_papers", "cccd.jpg", "image/jpeg", "submitted",
             hashlib.sha256(card).hexdigest())]
        r = post(c, "client", f"/dossiers/{code}/messages/supplement", {
            "message_id": "portal-bs-1",
            "payload": {"documents": [{"kind": "Giấy xác nhận cư trú", "name": "cu-tru.pdf"}]}})
        assert r.status_code == 202 and r.get_json()["buffered"] is True, r.get_json()
        assert r.get_json()["name"] == "supplement" and r.get_json()["expires_at"]
        # Received online: status changed, the desk's task, portal status 1 (submitted).
        sent = wait_for(lambda: (lambda page: page if page["total"] >= 3 else None)(
            get(c, "client", f"/subscriptions/{sub_id}/deliveries?status=delivered")),
            BOUND, "the dossier's three events delivered")
        assert sorted(d["event_type"] for d in sent["items"]) == [
            "dossier.portal_status_changed", "dossier.status_changed", "task.created"]
        lines = wait_for(lambda: (lambda got: got if len(got) >= 3 else None)(
            out.read_text().splitlines()), BOUND, "the receiver's lines")
        assert all(line.startswith("True msg_") for line in lines), lines
        assert all(code in line for line in lines)
        packet = get(c, "client", f"/dossiers/{code}/sync-packet")
        assert (packet["header"]["status"], packet["header"]["channel"]) == (1, 2)
        assert packet["header"]["submitted"] == "20260301211500"
    finally:
        proc.terminate()
        proc.wait(10)
    r = post(c, "admin", "/subscriptions", {
        "url": f"http://127.0.0.1:{hook_port}/portal", "format": "sync-packet",
        "on_exists": {"exists_code": "HS_DA_TON_TAI", "update_query": "action=update"}})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["on_exists"]["update_method"] == "PUT"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
