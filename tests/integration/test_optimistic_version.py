"""The row version guards a dossier against lost updates, on both write paths."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from engine.errors import ConcurrentUpdate
from engine.services.flow import progress
from engine.store.models import Dossier
from tests.api.helpers import TWO_STEPS, history, intake, post_bpmn, two_steps_forms


def _started(world: Any) -> dict[str, Any]:
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    r = intake(world)
    assert r.status_code == 201
    return r.get_json()


def test_a_stale_record_is_not_written(world: Any) -> None:
    d = _started(world)
    task_id = d["current_steps"][0]["task_id"]
    with world.ctx.uow() as uow:
        stale, _ = uow.repo.lock_task_dossier(world.province, task_id)
        uow.session.rollback()
    with world.ctx.uow() as uow:  # someone else saves the dossier meanwhile
        uow.session.execute(update(Dossier).where(Dossier.id == stale.id)
                            .values(row_version=Dossier.row_version + 1))
        uow.commit()
    with world.ctx.uow() as uow:
        stale.status = "in_process"
        uow.repo.save_record(stale)  # buffered: the guard is checked when the writes go out
        with pytest.raises(ConcurrentUpdate):
            uow.commit()
    with world.ctx.uow() as uow:
        stored = uow.repo.dossier_by_id(stale.id)
        assert stored is not None and stored.status == d["status"]
        assert stored.row_version == stale.row_version + 1  # the other writer's, not ours


def test_a_stale_record_commits_nothing_of_its_command(world: Any) -> None:
    """Without a session the writes and COMMIT travel together on PostgreSQL: the guard must
    stop the COMMIT, so the command's history event is not stored either."""
    d = _started(world)
    task_id = d["current_steps"][0]["task_id"]
    with world.ctx.uow() as uow:
        stale, _ = uow.repo.lock_task_dossier(world.province, task_id)
        uow.commit()
    with world.ctx.uow() as uow:
        uow.session.execute(update(Dossier).where(Dossier.id == stale.id)
                            .values(row_version=Dossier.row_version + 1))
        uow.commit()
    events = len(history(world, d["code"]))
    with world.ctx.uow() as uow:
        stale.status = "in_process"
        progress.record(uow, stale, "note", at=datetime.now(UTC), payload={"n": 1})
        uow.repo.save_record(stale)
        with pytest.raises(ConcurrentUpdate):
            uow.commit()
        assert uow.open_session is None  # the path under test: no ORM session
    assert len(history(world, d["code"])) == events
    with world.ctx.uow() as uow:
        stored = uow.repo.dossier_by_id(stale.id)
        assert stored is not None and stored.status == d["status"]


def test_a_stale_orm_object_is_not_written(world: Any) -> None:
    d = _started(world)
    with world.ctx.uow() as uow:
        stale = uow.repo.dossier(world.province, d["code"])
    with world.ctx.uow() as uow:
        uow.session.execute(update(Dossier).where(Dossier.code == d["code"])
                            .values(row_version=Dossier.row_version + 1))
        uow.commit()
    with world.ctx.uow() as uow:
        merged = uow.session.merge(stale, load=False)
        merged.error = "a write based on what was read before"
        with pytest.raises(ConcurrentUpdate):
            uow.commit()
