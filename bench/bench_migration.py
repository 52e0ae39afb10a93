"""Moving running dossiers to another version (`engine.services.flow.migrations`) on
PostgreSQL, in process. Prints figures; asserts nothing about speed. Not part of the tests.

Run:  .venv/bin/python bench/bench_migration.py [--dossiers 2000]

1. Drops and creates database `motcua_migration`, migrates it.
2. Deploys tests/unit/data/two_steps.bpmn (version 1) and starts `--dossiers` dossiers on it
   through the app (in-process test client), each waiting at its first user task with an
   inbox row; then deploys version 2 (the fee doubled: one script changed).
3. Dry run: POST …/migrations {"dry_run": true}, page after page (200 dossiers a page) until
   `next_offset` is null; the time of all pages.
4. Real run: POST …/migrations (the record, one pending row per dossier and one outbox row
   per batch of 50, one transaction), then every batch run here one after the other
   (`move_batch`, as a single worker thread would); the time of each part.
5. `motcua_migration` is dropped in `finally`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pg_admin import ADMIN_URL, admin_sql  # noqa: E402,F401
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "motcua_migration"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=2000)
    n = parser.parse_args().dossiers
    from engine.services.flow.migrations import MIGRATE_ACTOR, move_batch
    from engine.store.migrate import upgrade
    from engine.store.models import OutboxMessage
    from tests.api.deployments import two_steps_xml, upload
    from tests.api.helpers import TWO_STEPS, two_steps_forms
    from tests.conftest import make_world

    admin_sql(f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB}")
    try:
        upgrade(URL)
        w = make_world(URL)
        w.ctx.send_job = None  # jobs stay in the outbox; this process runs them
        assert upload(w, TWO_STEPS.read_bytes(), two_steps_forms()).status_code == 201
        t0 = time.perf_counter()
        for i in range(n):
            r = w.client.post("/api/v1/dossiers", headers=w.headers("client"), json={
                "process_key": "two_steps", "applicant": {"name": f"Người nộp {i}"},
                "data": {}})
            assert r.status_code == 201, r.get_json()
        print(f"intake of {n} dossiers: {time.perf_counter() - t0:.1f} s")
        assert upload(w, two_steps_xml(**{"100000 * copies": "200000 * copies"}),
                      two_steps_forms()).status_code == 201
        path = "/api/v1/process-definitions/two_steps/migrations"
        body = {"from_version": 1, "to_version": 2}

        t0 = time.perf_counter()
        offset, pages, movable = 0, 0, 0
        while offset is not None:
            r = w.client.post(path, headers=w.headers("designer"),
                              json={**body, "dry_run": True, "offset": offset})
            assert r.status_code == 200, r.get_json()
            page = r.get_json()
            movable += sum(x["can_move"] for x in page["results"])
            offset, pages = page["next_offset"], pages + 1
        dry = time.perf_counter() - t0
        print(f"dry run: {n} dossiers in {pages} pages, {dry:.2f} s, "
              f"{n / dry:.0f} dossiers/s, {movable} can move")

        t0 = time.perf_counter()
        r = w.client.post(path, headers=w.headers("designer"), json=body)
        assert r.status_code == 200, r.get_json()
        migration = r.get_json()["id"]
        queued = time.perf_counter() - t0
        with w.ctx.uow(readonly=True) as uow:
            jobs = [m.payload for m in uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.actor == MIGRATE_ACTOR, OutboxMessage.sent_at.is_(None)))]
        t1 = time.perf_counter()
        for job in jobs:
            move_batch(w.ctx, job["migration_id"], job["dossier_ids"])
        moving = time.perf_counter() - t1
        done = w.client.get(f"{path}/{migration}", headers=w.headers("designer")).get_json()
        print(f"real run: record + {len(jobs)} outbox rows {queued:.2f} s; "
              f"moves {moving:.1f} s, {n / moving:.0f} dossiers/s (one thread); "
              f"status {done['status']}, moved {done['moved']}, failed {done['failed']}")
        w.ctx.db_engine.dispose()
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
