"""`motcua demo` makes a week of dossiers by running the catalogue's processes on a simulated
clock: every list and figure of the tour has something to show, and every history made so
proves itself."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.demo import COMMUNES, LAND_BRANCH, PROVINCE, load_demo, load_week
from engine.settings import Settings
from engine.wiring import build_context

FRIDAY_5PM = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam


def test_a_week_of_dossiers_in_every_state(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # A database of its own: the week is made only where the demo province has no dossiers
    # (the session's database has other tests' demo dossiers); the backend plays no part.
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    load_demo(settings)
    made = load_week(settings, now=FRIDAY_5PM)
    assert made >= 20, capsys.readouterr().out
    assert "demo week" not in capsys.readouterr().out  # no step was refused
    ctx = build_context(settings)
    try:
        with ctx.uow(readonly=True) as uow:
            rows, total = uow.repo.dossiers(PROVINCE, status=None, process_key=None, unit=None,
                                            limit=500, offset=0)
            states = Counter((d.status, d.timeliness) for d in rows)
            by_process = Counter(d.process_key for d in rows)
            received_at = {d.unit for d in rows}
            ended = Counter(d.end_event for d in rows if d.status == "finished")
            open_tasks = sum(len(uow.repo.open_tasks_of(d.id)) for d in rows)
        from engine.services.records import audit
        verdicts = [v for ids in audit.dossier_pages(ctx, PROVINCE)
                    for v in audit.verify_ids(ctx, ids)]
    finally:
        ctx.db_engine.dispose()
    assert total == made
    assert states[("finished", "early")] and states[("finished", "late")], states
    # At most one withdrawal per procedure (the eighth dossier of each, if still open).
    assert 1 <= states[("withdrawn", None)] <= len(by_process), states
    assert {"land_first_registration", "construction_practising_certificate"} <= set(by_process)
    assert set(COMMUNES) | {LAND_BRANCH} <= received_at  # regardless of territory
    assert any(status == "in_process" and t in ("approaching", "overdue")
               for status, t in states), states
    assert states[("in_process", None)], "some wait at reception, their clock not started"
    assert ended["refused"] or ended["refused_at_reception"], ended
    assert open_tasks >= 10
    assert all(v.intact for v in verdicts), [v for v in verdicts if not v.intact]
    assert load_week(settings, now=FRIDAY_5PM) == 0  # once
