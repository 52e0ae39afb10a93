"""Reading takes no write lock: on SQLite, every GET answers while another process holds
the database's write lock (a long command, a migration, a CSV import), instead of queueing
behind it for the busy timeout. PostgreSQL readers never wait for writers."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import TWO_STEPS, intake, post_bpmn, two_steps_forms

WAIT_SECONDS = 10  # far below the busy timeout (60 s) a reader taking the lock would wait


@pytest.fixture
def writer_holding_the_lock(world: Any, db_url: str) -> Iterator[sqlite3.Connection]:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for a writer's locks")
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")  # the write lock, held until rollback
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _reads(world: Any) -> list[tuple[str, str]]:
    """(who, path) of every read a user makes, on data that exists."""
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    body = {"name": "Thủ tục", "process_key": "two_steps", "rules": [{
        "effective_from": "2026-01-01", "limits": {"default": {"value": 3, "unit": "working_days"}},
        "calendar": "vn"}]}
    r = world.client.put("/api/v1/procedures/rt", json=body, headers=world.headers("designer"))
    assert r.status_code in (200, 201), r.get_json()
    started = intake(world)
    assert started.status_code == 201, started.get_json()
    code = started.get_json()["code"]
    task_id = started.get_json()["current_steps"][0]["task_id"]
    return [
        ("designer", "/api/v1/process-definitions"),
        ("designer", "/api/v1/process-definitions/two_steps"),
        ("designer", "/api/v1/process-definitions/two_steps/versions/1/bpmn"),
        ("designer", "/api/v1/procedures"),
        ("designer", "/api/v1/procedures/rt"),
        ("officer", "/api/v1/calendars/vn"),
        ("officer", "/api/v1/calendars/vn?resolved=true"),
        ("officer", "/api/v1/calendars/vn/add?start=2026-02-13T16:30:00%2B07:00&working_days=2"),
        ("officer", "/api/v1/tasks"),
        ("auditor", f"/api/v1/tasks/{task_id}"),
        ("auditor", f"/api/v1/dossiers/{code}"),
        ("auditor", f"/api/v1/dossiers/{code}/history"),
        ("auditor", "/api/v1/dossiers"),
    ]


def test_every_read_answers_while_a_writer_holds_the_lock(world: Any, request: Any) -> None:
    reads = _reads(world)
    request.getfixturevalue("writer_holding_the_lock")
    answers: dict[str, int] = {}

    def read_all() -> None:
        for who, path in reads:
            answers[path] = world.client.get(path, headers=world.headers(who)).status_code

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(WAIT_SECONDS)
    waiting = [path for _, path in reads if path not in answers]
    assert not waiting, f"waited for the write lock: {waiting[0]}"
    assert answers == {path: 200 for _, path in reads}
