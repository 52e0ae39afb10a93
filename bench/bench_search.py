"""Dossier search by applicant name (`GET /api/v1/dossiers?q=…`) over 1 000 000 dossiers, and
an officer's inbox (`GET /api/v1/tasks`) among 100 000 open tasks, on PostgreSQL. Prints
figures; asserts nothing about speed. Not part of the test run.

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
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "unit" / "data"
DB = "motcua_bench_search"
MACHINE_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
URL = MACHINE_SERVER + DB  # the private server's instead with --server tuned
PROVINCE = "BENCH"
UNITS = [f"000.00.{i:02d}.H99" for i in range(20)]
CHUNK = 100_000

# (surname, share in %): the most common Vietnamese surnames, the rest as "other".
SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5.1),
            ("Huỳnh", 4), ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 3), ("Đặng", 2.1), ("Bùi", 2),
            ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8),
            ("Trịnh", 0.7), ("Lương", 0.6), ("Mai", 0.6), ("Đào", 0.6), ("Cao", 0.5),
            ("Tạ", 0.3), ("Lâm", 0.4), ("Hà", 0.4), ("Tô", 0.3), ("Quách", 0.2)]
MIDDLE_F = [("Thị", 55), ("Ngọc", 8), ("Thu", 6), ("Thanh", 5), ("Minh", 4), ("Hồng", 4),
            ("Kim", 4), ("Phương", 3), ("Thị Thu", 4), ("Thị Ngọc", 4), ("Bảo", 3)]
MIDDLE_M = [("Văn", 45), ("Hữu", 7), ("Đức", 7), ("Minh", 7), ("Quốc", 6), ("Thanh", 5),
            ("Xuân", 4), ("Công", 4), ("Đình", 5), ("Trọng", 3), ("Quang", 4), ("Văn Minh", 3)]
GIVEN_F = ["Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Hà", "Thảo", "Ngọc", "Huyền", "Anh",
           "Nhung", "Hằng", "Yến", "Phương", "Thủy", "Dung", "Nga", "Vân", "Loan", "Hạnh",
           "Oanh", "Liên", "Giang", "Quỳnh", "Châu", "Hiền", "Tâm", "Duyên", "Trâm"]
GIVEN_M = ["An", "Anh", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Huy", "Khoa",
           "Long", "Minh", "Nam", "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành",
           "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Hiếu", "Kiên", "Lâm", "Khánh"]


def weighted(pairs: list[tuple[str, float]], slots: int = 1000) -> list[str]:
    """The names repeated by their share, `slots` in all: one draw is one index."""
    total = sum(w for _, w in pairs)
    out: list[str] = []
    for name, weight in pairs:
        out += [name] * max(1, round(weight / total * slots))
    return out


SEED = text("""
INSERT INTO dossiers (
    province, code, unit, definition_id, process_key, status, channel, applicant,
    search_name, name_prefixes, search_id, state, client_id, received_at, updated_at,
    finished_at, history_seq, history_head, calendar_id, due_at, timeliness, paused_hours,
    pause_count, apology_count, row_version)
SELECT t.province, u.code || '-' || to_char(r.at, 'YYMMDD') || '-' || lpad(g::text, 7, '0'),
       u.code, t.definition_id, t.process_key,
       CASE WHEN g % 100 < 30 THEN 'in_process' WHEN g % 100 < 31 THEN 'error'
            ELSE 'finished' END,
       CASE WHEN g % 10 < 6 THEN 'online' WHEN g % 10 < 9 THEN 'desk' ELSE 'post' END,
       json_build_object('type', 'citizen',
                         'name', n.surname || ' ' || n.middle || ' ' || n.given,
                         'id_number', r.id_number),
       ' ' || n.surname_f || ' ' || n.middle_f || ' ' || n.given_f,
       (SELECT array_agg(DISTINCT left(w, k)) FROM unnest(string_to_array(
            n.surname_f || ' ' || n.middle_f || ' ' || n.given_f, ' ')) AS w,
            generate_series(1, length(w)) AS k),
       r.id_number, t.state, t.client_id, r.at, r.at,
       CASE WHEN g % 100 >= 31 THEN r.at + interval '5 days' END,
       t.history_seq, t.history_head, t.calendar_id, r.at + interval '15 days',
       CASE WHEN g % 100 >= 31 THEN 'on_time' END, 0, 0, 0, 1
FROM dossiers t, generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g,
LATERAL (SELECT abs(hashint8(g * 7 + 1)) AS h1, abs(hashint8(g * 7 + 2)) AS h2,
                abs(hashint8(g * 7 + 3)) AS h3, abs(hashint8(g * 7 + 4)) AS h4,
                abs(hashint8(g * 7 + 5)) AS h5) h,
LATERAL (SELECT timestamptz '2026-03-02 01:00:00+00' - (h.h5 % 63072000) * interval '1 second'
                AS at,
                lpad((h.h4 % 1000000000000)::text, 12, '0') AS id_number) r,
LATERAL (SELECT CASE WHEN h.h1 % 100 < 30 THEN :centre
                     WHEN h.h1 % 100 < 100 THEN 1 + (h.h1 / 100) % 14 END AS i) ui,
LATERAL (SELECT (CAST(:units AS text[]))[ui.i + 1] AS code) u,
LATERAL (SELECT (CAST(:surnames AS text[]))[1 + h.h2 % :ns] AS surname,
                (CAST(:surnames_f AS text[]))[1 + h.h2 % :ns] AS surname_f,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:middle_f AS text[]))[1 + (h.h3 / 2) % :nmf]
                     ELSE (CAST(:middle_m AS text[]))[1 + (h.h3 / 2) % :nmm] END AS middle,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:middle_f_f AS text[]))[1 + (h.h3 / 2) % :nmf]
                     ELSE (CAST(:middle_m_f AS text[]))[1 + (h.h3 / 2) % :nmm] END AS middle_f,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:given_f AS text[]))[1 + (h.h3 / 2000) % :ngf]
                     ELSE (CAST(:given_m AS text[]))[1 + (h.h3 / 2000) % :ngm] END AS given,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:given_f_f AS text[]))[1 + (h.h3 / 2000) % :ngf]
                     ELSE (CAST(:given_m_f AS text[]))[1 + (h.h3 / 2000) % :ngm] END AS given_f
        ) n
WHERE t.id = :tid
""")
# A task at one of the departments (15-19) for each dossier in process: a third of them
# open (100 000), due within 0-9 days of reception, the others completed.
TASKS = text("""
INSERT INTO tasks (id, dossier_id, province, unit, position, element_id, name, form, status,
                   created_at, completed_at, due_at)
SELECT md5(d.id::text)::uuid::text, d.id, d.province,
       (CAST(:units AS text[]))[16 + d.id % 5], 'specialist', 'appraise', 'Appraise',
       'appraise.json', CASE WHEN d.id % 3 = 0 THEN 'open' ELSE 'completed' END,
       d.received_at, CASE WHEN d.id % 3 <> 0 THEN d.received_at + interval '1 day' END,
       d.received_at + (d.id % 10) * interval '1 day'
FROM dossiers d WHERE d.status = 'in_process' AND NOT EXISTS (
    SELECT 1 FROM tasks x WHERE x.dossier_id = d.id)
""")




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


def names(n: int, rng: random.Random) -> list[str]:
    """Full names drawn with the fill's weights; every other one without diacritics."""
    from engine.search import fold

    out = []
    surnames, mf, mm = weighted(SURNAMES), weighted(MIDDLE_F), weighted(MIDDLE_M)
    for i in range(n):
        female = rng.random() < 0.5
        name = " ".join((rng.choice(surnames), rng.choice(mf if female else mm),
                         rng.choice(GIVEN_F if female else GIVEN_M)))
        out.append(fold(name) if i % 2 else name)
    return out


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
