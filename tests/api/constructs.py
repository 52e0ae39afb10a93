"""Helpers of the BPMN construct tests (test_bpmn_flow, test_bpmn_events); their fixtures
`clocked` and `w` are in conftest.py.

Each test deploys a small diagram from tests/api/data/constructs/, takes a dossier in,
completes its user tasks as an officer (or delivers messages, or moves a manual clock and
sweeps due timers) and checks what the API shows: `current_steps`, `status`, `end_event`,
`data`, the officer inbox and the history. Runs on SQLite and, when configured, PostgreSQL.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from tests.api.helpers import complete, dossier, history, intake, step
from tests.conftest import World

DATA = Path(__file__).resolve().parent / "data" / "constructs"
VN = timezone(timedelta(hours=7))
MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=VN)


# -- helpers ----------------------------------------------------------------------------

def _deploy(w: World, name: str, *forms: str) -> None:
    r = w.deploy(DATA / name, [DATA / f for f in forms])
    assert r.status_code == 201, r.get_json()


def _start(w: World, key: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    r = intake(w, key, data=data or {})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _open(d: dict[str, Any]) -> list[str]:
    return sorted(s["element_id"] for s in d["current_steps"])


def _do(w: World, d: dict[str, Any], element_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Complete the open step `element_id` of dossier `d` (as returned last) with `data`."""
    r = complete(w, step(d, element_id)["task_id"], data)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _ran(w: World, code: str) -> list[str]:
    """Element ids of the BPMN steps that completed, in order."""
    return [e["element_id"] for e in history(w, code) if e["kind"] == "step.completed"]


def _kinds(w: World, code: str) -> list[str]:
    return [e["kind"] for e in history(w, code)]


def _inbox(w: World, status: str = "open") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/tasks?status={status}", headers=w.headers("officer"))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _message(w: World, code: str, name: str, payload: dict[str, Any],
             message_id: str | None = None) -> Any:
    body: dict[str, Any] = {"payload": payload}
    if message_id is not None:
        body["message_id"] = message_id
    return w.client.post(f"/api/v1/dossiers/{code}/messages/{name}", json=body,
                         headers=w.headers("client"))


def _finished(d: dict[str, Any], end_event: str) -> None:
    assert d["status"] == "finished", d
    assert d["end_event"] == end_event, d
    assert d["current_steps"] == []
    assert d["finished_at"] is not None


def _wake_at(w: World, clock: ManualClock, instant: datetime, code: str) -> dict[str, Any]:
    clock.set(instant)
    sweep(w.ctx, inline=True)
    return dossier(w, code)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None
