"""The periodic safety sweep (`engine.jobs.relay.sweep`) against a growing number of open
dossiers, on PostgreSQL with a Redis broker. Prints figures; asserts nothing about speed.
Not part of the test run.

Run:  .venv/bin/python bench/bench_sweep.py [--sizes 10000 100000 1000000] [--due 1000]

1. Drops and creates database `motcua_sweep`, migrates it (`engine.store.migrate.upgrade`).
2. One admin principal (`create_principal`) deploys tests/unit/data/two_steps.bpmn with its
   forms (`catalog.deploy`) and starts one real dossier (`intake.start_dossier`). That
   dossier is the template: the other open dossiers are copies of its row (same `state`
   JSON, distinct codes and applicants) made with set-based SQL
   (`INSERT ... SELECT ... FROM generate_series`), 100 000 rows per statement. All of them
   get a `next_wakeup` in the future (1 h to 31 days ahead) except `--due` of them spread
   evenly over the table (every N/due-th id), whose `next_wakeup` is 1 s to 1 h in the past.
   The table grows to each size in turn by adding rows (never rebuilt); `ANALYZE` after
   each growth.
3. At each size: `sweep(ctx)` with a RedisBroker on redis://127.0.0.1:6379/15 installed
   (`engine.jobs.broker.install`), i.e. select the due ids and enqueue one `wake_dossier`
   message each; Redis db 15 is flushed before and after every run so the queue never
   grows. One untimed warm-up run, then the median of `--runs` timed runs
   (`time.perf_counter`). Also the median of the selection query alone
   (`Repository.due_dossier_ids`, in its own unit of work, as `sweep` does).
   At the largest size, the `EXPLAIN (ANALYZE, BUFFERS)` plan of the exact statement
   `due_dossier_ids` sends (captured with a SQLAlchemy event listener), and for comparison
   the same with `enable_bitmapscan = off`.
4. At the largest size, once: `sweep(ctx, inline=True)`, i.e. `engine.services.flow.dossiers.wake`
   for each due dossier in this process. These dossiers have no timer actually due (the
   process has none), so each wake is: read dossier + definition, lock the row, load the
   SpiffWorkflow state, save it back (with `next_wakeup` cleared) and commit.
5. `motcua_sweep` is dropped and Redis db 15 flushed in `finally`.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from pg_admin import ADMIN_URL, admin_sql  # noqa: E402,F401
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "unit" / "data"
DB = "motcua_sweep"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
REDIS_URL = "redis://127.0.0.1:6379/15"
UNIT = "000.00.01.S01"
CHUNK = 100_000

# Copies of the template row; :lo/:hi bound the generate_series, :tid is the template id.
SEED = text("""
INSERT INTO dossiers (
    province, code, unit, definition_id, process_key, status, channel, applicant, state,
    error, end_event, next_wakeup, client_id, idempotency_key, request_hash, received_at,
    updated_at, finished_at, history_seq, history_head, procedure_code, calendar_id, due_at,
    warn_at, timeliness, paused_since, paused_hours, pause_count, new_appointment_at,
    apology_count, row_version)
SELECT t.province, '000.00.01.S01-250101-' || lpad(g::text, 7, '0'), t.unit, t.definition_id,
       t.process_key, 'in_process', t.channel,
       json_build_object('type', 'citizen', 'name', 'Người nộp hồ sơ ' || g,
                         'id_number', lpad((g * 7919 % 1000000000)::text, 12, '0')),
       t.state, NULL, NULL,
       now() + interval '1 hour' + (g % 43200) * interval '1 minute',
       t.client_id, NULL, NULL,
       t.received_at - (g % 2592000) * interval '1 second',
       t.updated_at - (g % 2592000) * interval '1 second',
       NULL, t.history_seq, t.history_head, t.procedure_code, t.calendar_id, t.due_at,
       t.warn_at, t.timeliness, NULL, 0, 0, NULL, 0, 1
FROM dossiers t, generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
WHERE t.id = :tid
""")




def machine() -> str:
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
                         "SHOW server_version"], capture_output=True, text=True, timeout=30, check=False)
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--short", "--", "engine"],
                           capture_output=True, text=True, timeout=30, check=False).stdout.count("\n")
    return (f"commit {git} (+{dirty} uncommitted paths under engine/)  nproc={os.cpu_count()}  python={platform.python_version()}  "
            f"PostgreSQL {pg.stdout.strip() or '?'}  load={os.getloadavg()[0]:.2f}")


class Bench:
    def __init__(self, runs: int) -> None:
        from engine.jobs.broker import install, make_broker
        from engine.services.design import catalog
        from engine.services.flow.intake import start_dossier
        from engine.services.org.auth import create_principal
        from engine.settings import Settings
        from engine.store.migrate import upgrade
        from engine.store.models import Dossier
        from engine.wiring import build_context

        self.runs = runs
        upgrade(URL)
        self.ctx = build_context(Settings(database_url=URL, redis_url=REDIS_URL))
        self.broker = make_broker(REDIS_URL)
        install(self.ctx, self.broker)
        self.redis = self.broker.client  # type: ignore[attr-defined]
        self.redis.flushdb()
        from engine.org.files import Row
        from engine.services.org.load import load

        load(self.ctx, "SWEEP", [Row("bench", "unit", {"code": UNIT, "name": "Sweep unit",
                                                       "kind": "department"})])
        caller, _ = create_principal(self.ctx, name="Sweep bench admin", role="admin",
                                     province="SWEEP", unit=UNIT, position="officer")
        forms = {n: (DATA / n).read_bytes() for n in ("receive.json", "appraise.json")}
        catalog.deploy(self.ctx, caller, (DATA / "two_steps.bpmn").read_bytes(), forms)
        started, _ = start_dossier(self.ctx, caller, process_key="two_steps",
                                    applicant={"type": "citizen", "name": "Người mẫu"},
                                    data={}, unit=UNIT)
        # start_dossier returns a DossierView of the new dossier (a Dossier on a replay).
        template = started if isinstance(started, Dossier) else started.dossier
        self.template_id = template.id
        self.rows = 1  # the template is an open dossier too
        self.step = 1
        with self.ctx.db_engine.begin() as conn:
            conn.execute(text("UPDATE dossiers SET next_wakeup = now() + interval '2 days' "
                              "WHERE id = :id"), {"id": self.template_id})
            size = conn.execute(text("SELECT octet_length(state::text) FROM dossiers "
                                     "WHERE id = :id"), {"id": self.template_id}).scalar_one()
        print(f"template dossier {template.code}: state JSON {size} bytes")

    # -- data ---------------------------------------------------------------------------
    def grow(self, size: int, due: int) -> float:
        """Add rows up to `size` open dossiers; make exactly `due` of them due. Seconds."""
        t0 = time.perf_counter()
        lo = self.rows + 1
        while lo <= size:  # bounded: (size - rows) / CHUNK statements
            hi = min(size, lo + CHUNK - 1)
            with self.ctx.db_engine.begin() as conn:
                conn.execute(SEED, {"lo": lo, "hi": hi, "tid": self.template_id})
            lo = hi + 1
        self.rows = size
        self.step = size // due
        with self.ctx.db_engine.begin() as conn:
            conn.execute(text("UPDATE dossiers SET next_wakeup = now() + interval '1 day' "
                              "WHERE next_wakeup <= now()"))
            conn.execute(text(
                "UPDATE dossiers SET next_wakeup = now() - (1 + id % 3600) * interval '1 second'"
                " WHERE id % :step = 0 AND id <= :n"), {"n": self.step * due, "step": self.step})
        with self.ctx.db_engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE dossiers")
        return time.perf_counter() - t0

    def counts(self) -> tuple[int, int]:
        with self.ctx.db_engine.connect() as conn:
            open_ = conn.execute(text("SELECT count(*) FROM dossiers "
                                      "WHERE status = 'in_process'")).scalar_one()
            due = conn.execute(text("SELECT count(*) FROM dossiers "
                                    "WHERE next_wakeup <= now()")).scalar_one()
        return int(open_), int(due)

    def table_mb(self) -> float:
        with self.ctx.db_engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT pg_total_relation_size('dossiers')")).scalar_one()) / 2**20

    # -- measures -----------------------------------------------------------------------
    def queued(self) -> int:
        return int(self.redis.llen("dramatiq:default"))  # dramatiq's Redis queue list

    def time_sweep(self, expect: int) -> tuple[float, list[float]]:
        from engine.jobs.relay import sweep

        times: list[float] = []
        for i in range(self.runs + 1):  # bounded; run 0 is an untimed warm-up
            self.redis.flushdb()
            t0 = time.perf_counter()
            handled = sweep(self.ctx)
            dt = time.perf_counter() - t0
            queued = self.queued()
            self.redis.flushdb()
            if handled != expect or queued != expect:
                print(f"  !! sweep handled {handled}, queued {queued}, expected {expect}")
            if i:
                times.append(dt)
        return statistics.median(times), times

    def time_query(self, expect: int) -> tuple[float, list[float]]:
        times: list[float] = []
        for i in range(self.runs + 1):
            now = self.ctx.clock.now()
            t0 = time.perf_counter()
            with self.ctx.uow() as uow:
                ids = list(uow.repo.due_dossier_ids(now, 5000))
            dt = time.perf_counter() - t0
            if len(ids) != expect:
                print(f"  !! due_dossier_ids returned {len(ids)}, expected {expect}")
            if i:
                times.append(dt)
        return statistics.median(times), times

    def explain(self) -> list[str]:
        """EXPLAIN ANALYZE of the statement due_dossier_ids really sends."""
        seen: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
            if "next_wakeup <=" in statement:
                seen.append((statement, params))

        event.listen(self.ctx.db_engine, "before_cursor_execute", grab)
        try:
            with self.ctx.uow() as uow:
                uow.repo.due_dossier_ids(self.ctx.clock.now(), 5000)
        finally:
            event.remove(self.ctx.db_engine, "before_cursor_execute", grab)
        statement, params = seen[0]
        plans = [statement]
        with self.ctx.db_engine.connect() as conn:
            plans.append("\n".join(conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()))
            # For comparison only: the plain index scan the planner would otherwise take.
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            plans.append("\n".join(conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()))
            conn.rollback()
        return plans

    def inline_wakes(self, due: int) -> tuple[int, float, int, int]:
        from engine.jobs.relay import sweep

        with self.ctx.db_engine.begin() as conn:
            conn.execute(text(
                "UPDATE dossiers SET next_wakeup = now() - (1 + id % 3600) * interval '1 second'"
                " WHERE id % :step = 0 AND id <= :n"), {"n": self.step * due, "step": self.step})
        self.redis.flushdb()
        t0 = time.perf_counter()
        handled = sweep(self.ctx, inline=True)
        dt = time.perf_counter() - t0
        queued = self.queued()
        self.redis.flushdb()
        _, still_due = self.counts()
        return handled, dt, still_due, queued

    def close(self) -> None:
        try:
            self.redis.flushdb()
        finally:
            self.ctx.db_engine.dispose()


def scan_kind(plan: str) -> str:
    """How the plan reaches dossiers: through ix_dossiers_next_wakeup, or a full scan."""
    if "Seq Scan on dossiers" in plan:
        return "SEQUENTIAL SCAN of dossiers (the index is not used)"
    if "Bitmap Index Scan on ix_dossiers_next_wakeup" in plan:
        return "bitmap index scan on ix_dossiers_next_wakeup (+ bitmap heap scan, sort)"
    if "Index Scan using ix_dossiers_next_wakeup" in plan:
        return "index scan on ix_dossiers_next_wakeup (rows come out in next_wakeup order)"
    return "other (read the plan)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--due", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sizes = sorted(args.sizes)

    print(machine())
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}")
    bench: Bench | None = None
    try:
        bench = Bench(args.runs)
        table: list[tuple[int, int, float, list[float], float, list[float], float, float]] = []
        for size in sizes:  # bounded
            seed_s = bench.grow(size, args.due)
            open_, due = bench.counts()
            print(f"\n{open_} open dossiers ({due} due) seeded in {seed_s:.1f} s; "
                  f"dossiers table + indexes {bench.table_mb():.0f} MiB")
            sweep_med, sweep_all = bench.time_sweep(due)
            query_med, query_all = bench.time_query(due)
            print("  sweep s: " + ", ".join(f"{t:.3f}" for t in sweep_all))
            print("  query ms: " + ", ".join(f"{t * 1e3:.2f}" for t in query_all))
            table.append((open_, due, sweep_med, sweep_all, query_med, query_all, seed_s,
                          bench.table_mb()))

        print(f"\nEXPLAIN (ANALYZE, BUFFERS) at {table[-1][0]} open dossiers:")
        statement, plan, forced = bench.explain()
        print(statement)
        print(plan)
        print(f"access path: {scan_kind(plan)}")
        print("\nsame statement with enable_bitmapscan = off (for comparison only):")
        print(forced)
        print(f"access path: {scan_kind(forced)}")

        print("\n| open dossiers | due | sweep s (median of "
              f"{args.runs}) | query ms (median of {args.runs}) |")
        print("|---|---|---|---|")
        for open_, due, sweep_med, _sa, query_med, _qa, _s, _mb in table:
            print(f"| {open_:,} | {due:,} | {sweep_med:.3f} | {query_med * 1e3:.2f} |")

        handled, dt, left, queued = bench.inline_wakes(args.due)
        print(f"\ninline sweep at {table[-1][0]:,} open: {handled} wakes in {dt:.2f} s = "
              f"{handled / dt:.0f} wakes/s ({dt / max(handled, 1) * 1e3:.2f} ms each); "
              f"still due afterwards: {left}; messages queued: {queued}")
        print("(no timer is actually due in these dossiers: each wake is lock + load + save, "
              "clearing next_wakeup)")
        print("\n" + machine())
    finally:
        if bench is not None:
            bench.close()
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        print(f"dropped {DB}")


if __name__ == "__main__":
    main()
