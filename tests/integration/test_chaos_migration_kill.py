"""`motcua worker` is killed (SIGKILL, the whole process group) while it moves dossiers to a
new version; the batch it held is lost with it. A new worker (dramatiq's redelivery, or the
sweep re-sending a stalled migration) finishes the migration, and no dossier moves twice."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.models import Dossier, HistoryEvent
from engine.store.models_migrations import DossierMigrationItem
from tests.integration.chaos import BPMN, PROCESS, RECOVERY_BOUND, office
from tests.integration.production import wait_for

pytestmark = pytest.mark.integration

DOSSIERS = 300


def test_a_migration_finishes_once_when_the_worker_is_killed(redis_url: str,
                                                             tmp_path: Path) -> None:
    # Jobs lost with the worker are sent again after 3 quiet seconds (60 by default): any
    # batch still under way then is sent twice, and must move no dossier twice.
    with office(redis_url, tmp_path, migration_stalled_seconds="3") as o:
        codes = o.intake(o.client("client"), DOSSIERS)
        wait_for(lambda: o.receipts().keys() >= set(codes), RECOVERY_BOUND,
                 "every dossier waits at the receipt")
        v2 = tmp_path / "v2.bpmn"  # the wait after the receipt is one second shorter
        v2.write_text(BPMN.read_text("utf-8").replace("PT2S", "PT1S"), "utf-8")
        assert o.world.deploy(v2, []).status_code == 201
        status, body, _ = o.client("designer").request(
            "POST", f"/api/v1/process-definitions/{PROCESS}/migrations",
            {"from_version": 1, "to_version": 2})
        assert status == 200, body
        migration = body["id"]

        def moved() -> int:
            with Session(o.world.ctx.db_engine) as s:
                return s.scalar(select(func.count()).select_from(DossierMigrationItem).where(
                    DossierMigrationItem.migration_id == migration,
                    DossierMigrationItem.status != "pending")) or 0

        wait_for(lambda: moved() > 0, RECOVERY_BOUND, "the first dossier moved")
        o.worker.kill_group(signal.SIGKILL)
        o.worker.popen.wait(timeout=30)
        at_kill = moved()
        assert at_kill < DOSSIERS, "the worker finished before it was killed"
        o.restart_worker()
        wait_for(lambda: moved() == DOSSIERS, RECOVERY_BOUND * 2,
                 "every dossier moved after the restart")

        status, body, _ = o.client("designer").request(
            "GET", f"/api/v1/process-definitions/{PROCESS}/migrations/{migration}")
        assert status == 200, body
        assert (body["status"], body["moved"], body["failed"], body["left"]) == (
            "finished", DOSSIERS, 0, 0), (body, at_kill)
        with Session(o.world.ctx.db_engine) as s:
            events = s.execute(select(Dossier.code, func.count(HistoryEvent.id))
                               .join(HistoryEvent, HistoryEvent.dossier_id == Dossier.id)
                               .where(Dossier.province == o.world.province,
                                      HistoryEvent.kind == "dossier.migrated")
                               .group_by(Dossier.code)).all()
        assert dict(events) == {c: 1 for c in codes}
