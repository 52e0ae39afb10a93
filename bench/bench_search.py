"""Dossier search by applicant name (`GET /api/v1/dossiers?q=…`) over 1 000 000 dossiers, and
an officer's inbox (`GET /api/v1/tasks`) among 100 000 open tasks, on PostgreSQL. Prints
figures; asserts nothing about speed. Not part of the test run.

The names and the seeding SQL are in bench/search_data.py.

Run:  .venv/bin/python bench/bench_search.py [--dossiers 1000000] [--queries 200] [--keep]
          [--reuse]   (ask the database kept by an earlier --keep, migrated to this code)
          [--server machine|tuned] [--pg-dir DIR] [--pg-port 5499]

--server machine (the default) measures the machine's PostgreSQL as it is (port 5432, often
PostgreSQL's out-of-the-box 128 MB of shared buffers); --server tuned starts a server of the
benchmark's own from the machine's binaries with docs/production.md's memory settings
(bench/pg_server.py: a quarter of the memory as shared buffers ...), its data in --pg-dir
(kept with --keep, for --reuse), and measures against it.

1. Drops and creates database `motcua_bench_search`, migrates it, makes province BENCH with
   20 units (unit 00 the provincial centre, 01-14 commune centres, 15-19 departments), an
   auditor, a client, a reception officer of commune centre 03 and a specialist of
   department 17. A client starts one real dossier of tests/unit/data/two_steps.bpmn: the
   template. The others are copies of its row (its `state` JSON), made by set-based SQL
   (`INSERT ... SELECT ... FROM generate_series`, 100 000 rows a statement) with realistic
   Vietnamese names: surname by its share of the population (Nguyễn 38 %, Trần 11 %, Lê
   9.5 % ...), a middle name and a given name by gender (Thị, Văn ...), drawn by a hash of
   the row number, and the same name folded as intake folds it (engine.search) into
   `search_name`, its word prefixes (in SQL) into `name_prefixes`; a 12-digit identity
   number; the centre receives 30 %, each commune centre 5 %; received over two years, due
   15 days after; 30 % still in process, each with a task at one of the departments, a
   third of them open (100 000, 20 000 per department, due 0-9 days after reception), the
   others completed; each dossier's `task_units` its task's unit, as the hot path
   writes it. `VACUUM (ANALYZE)` after.
2. The tables and their indexes are read into the server's cache (pg_prewarm), as a
   server's working set is after a day's work.
   Queries: `--queries` full names drawn with the same weights (half typed without
   diacritics, half with), through the app's test client (Flask, flask-smorest,
   marshmallow, the access policy, the SQL and the JSON answer of 50 dossiers: all of a
   request but the socket), as the auditor (the whole province), the reception officer and
   the specialist (their units' scopes); also surname + given name, a dossier code and an
   identity number as the auditor; then `--queries` times the first page of the inbox of
   the specialist (20 000 open tasks of their unit) and of the auditor (every open task).
   20 untimed warm-up requests per kind, then p50 / p95 / max in ms and the median number
   found (`total`). Then `EXPLAIN (ANALYZE, BUFFERS)` of the statements of one name
   search by the auditor and by the specialist, and of the specialist's inbox.
3. The database is dropped at the end unless `--keep`.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pg_admin import ADMIN_URL, admin_sql  # noqa: E402,F401
from search_data import (  # noqa: E402
    CHUNK,
    GIVEN_F,
    GIVEN_M,
    MIDDLE_F,
    MIDDLE_M,
    SEED,
    SURNAMES,
    TASKS,
    UNITS,
    names,
    weighted,
)
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "unit" / "data"
DB = "motcua_bench_search"
MACHINE_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
URL = MACHINE_SERVER + DB  # the private server's instead with --server tuned
PROVINCE = "BENCH"

def machine() -> str:
    port = URL.rsplit(":", 1)[1].split("/")[0]
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d",
                         "postgres", "-Atc", "SELECT current_setting('server_version') || "
                         "', shared_buffers ' || current_setting('shared_buffers')"],
                        capture_output=True, text=True, timeout=30, check=False)
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    return (f"commit {git}  nproc={os.cpu_count()}  python={platform.python_version()}  "
            f"PostgreSQL {pg.stdout.strip() or '?'} (port {port})  "
            f"load={os.getloadavg()[0]:.2f}")


class Bench:
    def __init__(self, reuse: bool = False) -> None:
        from api.app import create_app
        from engine.jobs.broker import install, make_broker
        from engine.services.design import catalog
        from engine.services.flow.intake import start_dossier
        from engine.settings import Settings
        from engine.store.migrate import upgrade
        from engine.store.models import Dossier, Unit

        upgrade(URL)
        self.app = create_app(Settings(database_url=URL))
        self.ctx = self.app.extensions["motcua"]
        install(self.ctx, make_broker(""))
        self.client = self.app.test_client()
        self.tokens: dict[str, str] = {}
        self.slowest = (0.0, "")  # of the last measure(): (ms, query)
        if reuse:  # the data of an earlier run (--keep): new principals to ask with
            self._principals(f" {time.time_ns()}")
            return
        with self.ctx.uow() as uow:  # only registered units receive dossiers
            now = self.ctx.clock.now()
            for i, code in enumerate(UNITS):
                uow.repo.add(Unit(code=code, province=PROVINCE, name=f"Bench unit {i:02d}",
                                  kind="department" if i >= 15 else "centre", created_at=now,
                                  registered_at=now, updated_at=now))
            uow.commit()
        made = self._principals("")
        admin, client = made["admin"], made["client"]
        forms = {n: (DATA / n).read_bytes() for n in ("receive.json", "appraise.json")}
        catalog.deploy(self.ctx, admin, (DATA / "two_steps.bpmn").read_bytes(), forms)
        started, _ = start_dossier(self.ctx, client, process_key="two_steps",
                                   applicant={"type": "citizen", "name": "Người mẫu"},
                                   data={}, unit=UNITS[3])
        template = started if isinstance(started, Dossier) else started.dossier
        self.template_id = template.id

    def _principals(self, suffix: str) -> dict[str, Any]:
        from engine.services.org.auth import create_principal

        made = {}
        for who, role, unit, position in (
                ("admin", "admin", None, None), ("auditor", "auditor", None, None),
                ("client", "client", UNITS[3], None),
                ("reception", "officer", UNITS[3], "reception"),
                ("specialist", "officer", UNITS[17], "specialist")):
            made[who], self.tokens[who] = create_principal(
                self.ctx, name=f"bench {who}{suffix}", role=role, province=PROVINCE,
                unit=unit, position=position)
        return made

    def fill(self, n: int) -> float:
        from engine.search import fold

        t0 = time.perf_counter()
        names = {"surnames": weighted(SURNAMES), "middle_f": weighted(MIDDLE_F),
                 "middle_m": weighted(MIDDLE_M), "given_f": GIVEN_F, "given_m": GIVEN_M}
        params: dict[str, Any] = {**names, **{f"{k}_f": [fold(x) for x in v]
                                              for k, v in names.items()}}
        params.update(ns=len(names["surnames"]), nmf=len(names["middle_f"]),
                      nmm=len(names["middle_m"]), ngf=len(GIVEN_F), ngm=len(GIVEN_M),
                      units=UNITS, centre=0, tid=self.template_id)
        lo = 1
        while lo <= n:  # bounded: n / CHUNK statements
            hi = min(n, lo + CHUNK - 1)
            with self.ctx.db_engine.begin() as conn:
                conn.execute(SEED, {**params, "lo": lo, "hi": hi})
            lo = hi + 1
            print(f"  {hi} dossiers, {time.perf_counter() - t0:.0f} s", flush=True)
        with self.ctx.db_engine.begin() as conn:
            conn.execute(TASKS, {"units": UNITS})
            conn.execute(text("UPDATE dossiers d SET task_units = ARRAY[t.unit] FROM tasks t "
                              "WHERE t.dossier_id = d.id"))  # as the hot path writes it
        self.vacuum()
        return time.perf_counter() - t0

    def vacuum(self) -> None:
        """VACUUM (ANALYZE), as autovacuum would after a fill or a migration's updates (the
        machine's server runs without it): dead row versions out of the indexes, fresh
        statistics."""
        with self.ctx.db_engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) dossiers")
            conn.exec_driver_sql("VACUUM (ANALYZE) tasks")

    def warm(self) -> float:
        """Read the tables, their TOAST and their indexes into the server's own cache
        (pg_prewarm), as a server's working set is in memory after a day's work: a run right
        after a restart or other work would otherwise time the disk or the OS's cache (a
        sequential scan of a large table goes through a small ring, not the cache). A server
        whose cache is smaller than the data keeps what fits."""
        t0 = time.perf_counter()
        with self.ctx.db_engine.connect() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            rels = conn.execute(text(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_class t ON "
                "c.oid IN (t.oid, t.reltoastrelid) OR c.oid IN "
                "(SELECT indexrelid FROM pg_index WHERE indrelid IN (t.oid, t.reltoastrelid)) "
                "WHERE t.relname IN ('dossiers', 'tasks')")).scalars().all()
            for rel in rels:
                conn.execute(text("SELECT pg_prewarm(CAST(:rel AS regclass))"), {"rel": rel})
            conn.commit()
        return time.perf_counter() - t0

    def sizes(self) -> str:
        with self.ctx.db_engine.connect() as conn:
            row = conn.execute(text(
                "SELECT (SELECT count(*) FROM dossiers), "
                "(SELECT count(*) FROM tasks WHERE status = 'open'), "
                "(SELECT count(*) FROM tasks), pg_total_relation_size('dossiers'), "
                "pg_relation_size('ix_dossier_name_prefixes')")).one()
        return (f"{row[0]} dossiers, {row[1]} open tasks of {row[2]}; dossiers "
                f"{row[3] / 2**20:.0f} MiB with indexes, the name prefixes' index "
                f"{row[4] / 2**20:.0f} MiB")

    def measure(self, who: str, queries: list[str], warm: int = 20,
                path: str = "/api/v1/dossiers") -> tuple[list[float], int]:
        """Each query as `q=` (none when it is empty) to `path`, as `who`."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        times, totals = [], []
        self.slowest = (0.0, "")
        for i, q in enumerate(queries[:warm] + queries):  # bounded: warm + len(queries)
            t0 = time.perf_counter()
            r = self.client.get(path, query_string={"q": q} if q else {}, headers=headers)
            dt = time.perf_counter() - t0
            if r.status_code != 200:
                raise SystemExit(f"{who} q={q!r}: {r.status_code} {r.get_data(as_text=True)}")
            if i >= warm:
                times.append(dt * 1000)
                totals.append(r.get_json()["total"])
                self.slowest = max(self.slowest, (dt * 1000, q))
        return times, int(statistics.median(totals))

    def explain(self, who: str, path: str, q: str | None = None) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the statements one request runs on dossiers."""
        captured: list[tuple[str, Any]] = []

        def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
            if "FROM dossiers" in statement or "JOIN dossiers" in statement:
                captured.append((statement, parameters))

        event.listen(self.ctx.db_engine, "before_cursor_execute", grab)
        try:
            self.client.get(path, query_string={"q": q} if q else {},
                            headers={"Authorization": f"Bearer {self.tokens[who]}"})
        finally:
            event.remove(self.ctx.db_engine, "before_cursor_execute", grab)
        with self.ctx.db_engine.connect() as conn:
            for statement, parameters in captured:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                            parameters).scalars().all()
                print("\n".join(plan) + "\n")


def report(label: str, times: list[float], total: int) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<44} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {times[-1]:6.1f} ms  found (median) {total}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dossiers", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--reuse", action="store_true",
                    help="ask the database an earlier run kept (--keep), migrated to this "
                         "code, instead of making it anew; implies --keep")
    ap.add_argument("--server", choices=("machine", "tuned"), default="machine",
                    help="machine: the machine's PostgreSQL as it is (port 5432); tuned: a "
                         "server of the benchmark's own with docs/production.md's memory "
                         "settings (bench/pg_server.py), its data in --pg-dir")
    ap.add_argument("--pg-dir", type=Path, default=Path("/var/tmp/motcua-bench-search-pg"))
    ap.add_argument("--pg-port", type=int, default=5499)
    args = ap.parse_args()
    args.keep = args.keep or args.reuse
    if args.server == "machine":
        return run(args, MACHINE_SERVER)
    from pg_server import private_server, tuned_settings

    with private_server(args.pg_dir, args.pg_port, tuned_settings(), keep=args.keep) as base:
        return run(args, base)


def run(args: argparse.Namespace, server: str) -> int:
    global URL
    URL = server + DB
    admin = server + "postgres"
    print(machine())
    if not args.reuse:
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}",
                  url=admin)
    try:
        bench = Bench(reuse=args.reuse)
        if not args.reuse:
            print(f"filled in {bench.fill(args.dossiers - 1):.0f} s")
        else:  # migrated to this code: what the migrations updated is vacuumed
            bench.vacuum()
        print(bench.sizes())
        print(f"tables and indexes read into the server's cache in {bench.warm():.0f} s")
        rng = random.Random(11)
        full = names(args.queries, rng)
        slowest = {}
        for who in ("auditor", "reception", "specialist"):
            report(f"{who}: full name", *bench.measure(who, full))
            slowest[who] = bench.slowest[1]
        short = [" ".join((n.split()[0], n.split()[-1])) for n in names(args.queries, rng)]
        report("auditor: surname + given name", *bench.measure("auditor", short))
        slowest["two words"] = bench.slowest[1]
        with bench.ctx.db_engine.connect() as conn:
            sample = conn.execute(text(
                "SELECT code, search_id FROM dossiers TABLESAMPLE SYSTEM (1) LIMIT :n"),
                {"n": args.queries}).all()
        report("auditor: dossier code", *bench.measure("auditor", [r[0] for r in sample]))
        report("auditor: identity number", *bench.measure("auditor", [r[1] for r in sample]))
        inbox = [""] * args.queries
        report("specialist: GET /tasks (inbox)", *bench.measure("specialist", inbox,
                                                               path="/api/v1/tasks"))
        report("auditor: GET /tasks (the province)", *bench.measure("auditor", inbox,
                                                                   path="/api/v1/tasks"))
        print(f"\nEXPLAIN of the auditor's search for {full[1]!r}:")
        bench.explain("auditor", "/api/v1/dossiers", full[1])
        print(f"EXPLAIN of the specialist's search for {full[1]!r}:")
        bench.explain("specialist", "/api/v1/dossiers", full[1])
        print("the slowest query of each kind: " + ", ".join(
            f"{who} {q!r}" for who, q in slowest.items()))
        print(f"EXPLAIN of the specialist's slowest, {slowest['specialist']!r}:")
        bench.explain("specialist", "/api/v1/dossiers", slowest["specialist"])
        print(f"EXPLAIN of the auditor's slowest of two words, {slowest['two words']!r}:")
        bench.explain("auditor", "/api/v1/dossiers", slowest["two words"])
        print("EXPLAIN of the specialist's inbox:")
        bench.explain("specialist", "/api/v1/tasks")
        bench.ctx.db_engine.dispose()
    finally:
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", url=admin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
