"""A timer's wake-up is written to the outbox in the transaction that leaves the timer
waiting, checked on the database alone (no Redis): one `wake_dossier` row for the dossier,
due at the timer's instant, equal to the dossier's `next_wakeup`; firing the timer moves the
wake-up to the next timer (a new row) or clears it (no row). Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.jobs.relay import relay_outbox
from engine.services.flow.dossiers import wake
from engine.store.models import Dossier, OutboxMessage
from tests.api.constructs import DATA, MONDAY_8AM, VN
from tests.api.helpers import complete, started, step
from tests.conftest import World, make_world

pytestmark = pytest.mark.integration


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock)
    w.principal("clerk", "officer", unit=w.unit, position="clerk")
    yield w, clock
    w.ctx.db_engine.dispose()


def _wakeups(w: World, code: str) -> tuple[datetime | None, list[tuple[str, datetime]]]:
    """The dossier's next_wakeup and its outbox rows (actor, due), oldest first."""
    with Session(w.ctx.db_engine) as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return dossier.next_wakeup, [(r.actor, r.due_at) for r in rows
                                     if r.payload == {"dossier_id": dossier.id}]


def _fire(w: World, clock: ManualClock, at: datetime, code: str) -> None:
    clock.set(at)
    with Session(w.ctx.db_engine) as s:
        dossier_id = s.scalars(select(Dossier.id).where(Dossier.code == code)).one()
    assert wake(w.ctx, dossier_id)


def _deploy(w: World, name: str) -> None:
    r = w.deploy(DATA / name, [])
    assert r.status_code == 201, r.get_json()


def test_intake_writes_the_wakeup_and_firing_clears_it(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    code = started(w, process_key="c_boundary_timer")["code"]
    due = MONDAY_8AM + timedelta(hours=1)
    assert _wakeups(w, code) == (due, [("wake_dossier", due)])

    _fire(w, clock, due + timedelta(minutes=1), code)  # leader_appraise waits on no timer
    assert _wakeups(w, code) == (None, [("wake_dossier", due)])


def test_completion_writes_the_wakeup_and_firing_moves_it(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "intermediate_timers.bpmn")
    d = started(w, process_key="c_intermediate_timers")
    code = d["code"]
    assert _wakeups(w, code) == (None, [])  # the officer receives first: nothing waits

    clock.set(MONDAY_8AM + timedelta(minutes=30))
    r = complete(w, step(d, "receive")["task_id"], {}, who="clerk")
    assert r.status_code == 200, r.get_json()
    cooled = MONDAY_8AM + timedelta(hours=2, minutes=30)
    assert _wakeups(w, code) == (cooled, [("wake_dossier", cooled)])

    _fire(w, clock, cooled, code)
    appointment = datetime(2026, 3, 5, 8, 0, tzinfo=VN)
    assert _wakeups(w, code) == (appointment, [("wake_dossier", cooled),
                                               ("wake_dossier", appointment)])

    _fire(w, clock, appointment, code)  # return_result waits on no timer
    assert _wakeups(w, code) == (None, [("wake_dossier", cooled), ("wake_dossier", appointment)])


def test_completing_before_the_timer_clears_the_wakeup(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    d = started(w, process_key="c_boundary_timer")
    due = MONDAY_8AM + timedelta(hours=1)
    clock.set(MONDAY_8AM + timedelta(minutes=10))
    r = complete(w, step(d, "appraise")["task_id"], {}, who="clerk")
    assert r.status_code == 200 and r.get_json()["status"] == "finished", r.get_json()
    assert _wakeups(w, d["code"]) == (None, [("wake_dossier", due)])  # that wake finds nothing


def test_intake_is_accepted_while_the_broker_is_unreachable(
        clocked: tuple[World, ManualClock], caplog: pytest.LogCaptureFixture) -> None:
    """The wake-up waits unsent in the outbox, reported in one line (no traceback), and the
    next relay sends it, delayed until due."""
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")

    def unreachable(actor: str, payload: dict[str, Any], delay: float) -> None:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    w.ctx.send_job = unreachable
    with caplog.at_level(logging.WARNING, logger="engine.jobs.relay"):
        d = started(w, process_key="c_boundary_timer")
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]
    assert "unreachable" in caplog.records[0].getMessage()

    sent: list[tuple[str, dict[str, Any], float]] = []
    w.ctx.send_job = lambda actor, payload, delay: sent.append((actor, payload, delay))
    clock.advance(timedelta(minutes=20))
    assert relay_outbox(w.ctx) >= 1  # other tests' rows may wait there too on a shared database
    with Session(w.ctx.db_engine) as s:
        dossier_id = s.scalars(select(Dossier.id).where(Dossier.code == d["code"])).one()
    assert ("wake_dossier", {"dossier_id": dossier_id}, 40 * 60.0) in sent
    assert datetime.fromisoformat(d["next_wakeup"]).astimezone(UTC) \
        == MONDAY_8AM + timedelta(hours=1)
