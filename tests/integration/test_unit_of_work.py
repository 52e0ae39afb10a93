"""A unit of work that starts on the hot path (a pool connection, no ORM session) and
later needs the session runs ONE transaction: both commit together or neither does."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from engine.store.models import OutboxMessage
from tests.api.helpers import TWO_STEPS, intake, post_bpmn, two_steps_forms

MARK = "unit-of-work-test"


def _task(world: Any) -> str:
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = intake(world)
    assert r.status_code == 201
    return str(r.get_json()["current_steps"][0]["task_id"])


def _outbox_rows(world: Any, dossier_id: int) -> int:
    with world.ctx.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.actor == MARK, OutboxMessage.payload["dossier_id"].as_integer()
            == dossier_id)) or 0)


@pytest.fixture(autouse=True)
def _no_marked_outbox_left(world: Any) -> Any:
    """This module's outbox rows name no real job: later tests' relays must not meet them."""
    yield
    with world.ctx.uow() as uow:
        uow.session.execute(delete(OutboxMessage).where(OutboxMessage.actor == MARK))
        uow.commit()


def _stored_error(world: Any, dossier_id: int) -> str | None:
    with world.ctx.uow(readonly=True) as uow:
        stored = uow.repo.dossier_by_id(dossier_id)
        assert stored is not None
        return stored.error


def _write_both(uow: Any, world: Any, task_id: str, note: str) -> int:
    """A hot-path read and record write, then an ORM write, in one unit of work."""
    found = uow.repo.lock_task_dossier(world.province, task_id)
    assert found is not None
    dossier = found[0]
    assert uow.open_session is None  # the hot path alone opened no session
    hot_path_connection = uow.driver()
    dossier.error = note
    uow.repo.save_record(dossier)
    now = datetime.now(UTC)
    uow.repo.add(OutboxMessage(actor=MARK, payload={"dossier_id": dossier.id}, due_at=now,
                               created_at=now))
    # the session joined the transaction the hot path began: one connection
    assert uow.session.connection().connection.driver_connection is hot_path_connection
    return int(dossier.id)


def test_hot_path_and_session_commit_together(world: Any) -> None:
    task_id = _task(world)
    with world.ctx.uow() as uow:
        dossier_id = _write_both(uow, world, task_id, "both written")
        uow.commit()
    assert _stored_error(world, dossier_id) == "both written"
    assert _outbox_rows(world, dossier_id) == 1


def test_hot_path_and_session_roll_back_together(world: Any) -> None:
    task_id = _task(world)
    dossier_id = 0
    with pytest.raises(RuntimeError), world.ctx.uow() as uow:
        dossier_id = _write_both(uow, world, task_id, "never stored")
        uow.repo.flush_writes()  # the buffered writes reach the database, uncommitted
        raise RuntimeError("the command fails before it commits")
    assert _stored_error(world, dossier_id) is None
    assert _outbox_rows(world, dossier_id) == 0


def test_a_failed_hot_path_command_leaves_the_connection_clean(world: Any) -> None:
    task_id = _task(world)
    for _ in range(3):  # the pool hands the same connection back each time
        with pytest.raises(RuntimeError), world.ctx.uow() as uow:
            assert uow.repo.lock_task_dossier(world.province, task_id) is not None
            raise RuntimeError("fails holding the lock")
    with world.ctx.uow() as uow:  # the lock was released: this one gets it at once
        found = uow.repo.lock_task_dossier(world.province, task_id)
        assert found is not None and found[0].error is None
        uow.commit()


def test_a_session_opened_but_never_used_does_not_lose_the_hot_path_write(world: Any) -> None:
    """Asking for the session (e.g. for its bind) without running a statement on it gives it
    no transaction of its own: the commit still commits the hot path's."""
    task_id = _task(world)
    with world.ctx.uow() as uow:
        found = uow.repo.lock_task_dossier(world.province, task_id)
        assert found is not None
        dossier = found[0]
        dossier.error = "kept"
        uow.repo.save_record(dossier)
        uow.session.get_bind()  # opened, joined, unused
        uow.commit()
    assert _stored_error(world, dossier.id) == "kept"
