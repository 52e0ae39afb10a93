"""History events are append-only in the database itself (migration 0016): whoever holds a
connection, an UPDATE or DELETE of a history row, a TRUNCATE of the table, or the deletion of
a whole dossier is refused; appending goes on as before."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.api.helpers import history, started


@pytest.mark.parametrize("statement", [
    "UPDATE history_events SET payload = '{}' WHERE dossier_id = :d",
    "UPDATE history_events SET hash = prev_hash WHERE dossier_id = :d AND seq = 1",
    "DELETE FROM history_events WHERE dossier_id = :d",
    "DELETE FROM history_events WHERE dossier_id = :d AND seq = "
    "(SELECT max(seq) FROM history_events WHERE dossier_id = :d)",
    "DELETE FROM dossiers WHERE id = :d",
])
def test_a_history_row_is_never_changed_or_removed(two_steps: Any, statement: str) -> None:
    world = two_steps
    code = started(world)["code"]
    before = history(world, code)
    with world.ctx.db_engine.connect() as conn:
        dossier_id = conn.execute(text("SELECT id FROM dossiers WHERE code = :c"),
                                  {"c": code}).scalar_one()
        with pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement), {"d": dossier_id})
        conn.rollback()
    assert "append-only" in str(refused.value) or "foreign key" in str(refused.value).lower()
    assert history(world, code) == before


def test_truncate_is_refused_on_postgresql(two_steps: Any) -> None:
    world = two_steps
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    code = started(world)["code"]
    with world.ctx.db_engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("TRUNCATE history_events CASCADE"))
        conn.rollback()
    assert history(world, code)


def test_appending_goes_on(two_steps: Any) -> None:
    from tests.api.helpers import complete, dossier, step

    world = two_steps
    code = started(world)["code"]
    n = len(history(world, code))
    task_id = step(dossier(world, code), "receive")["task_id"]
    assert complete(world, task_id, {"copies": 1}).status_code == 200
    assert len(history(world, code)) > n
