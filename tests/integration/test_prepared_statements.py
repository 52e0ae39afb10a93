"""On PostgreSQL the hot-path statements stay prepared on their connection: read-only units
of work end with COMMIT, since psycopg forgets every prepared statement on ROLLBACK."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.api.helpers import TWO_STEPS, complete, dossier, intake, post_bpmn, two_steps_forms


def test_statements_stay_prepared_across_reads(world: Any) -> None:
    if world.ctx.db_engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    assert post_bpmn(world, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
    for _i in range(8):  # psycopg prepares a statement on its 6th run on a connection
        d = intake(world).get_json()
        for step, form in (("receive", {"copies": 1}), ("appraise", {"decision": "approve"})):
            task = [s for s in d["current_steps"] if s["element_id"] == step][0]
            r = complete(world, task["task_id"], form)
            assert r.status_code == 200, r.get_json()
            d = r.get_json()
        dossier(world, d["code"])  # a read-only unit of work between commands
    with world.ctx.db_engine.connect() as conn:  # the pool hands back the last connection
        prepared = conn.execute(text(
            "SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("FOR UPDATE OF d" in s for s in prepared), prepared
