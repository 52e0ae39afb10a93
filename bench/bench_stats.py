"""The public figures of a province-year (`GET /api/v1/stats`) over the counters of many
dossiers, and what keeping the counters adds to a dossier's intake and completion, on
PostgreSQL. Prints figures; asserts nothing about speed. Not part of the test run.

Run:  .venv/bin/python bench/bench_stats.py [--dossiers 10000000] [--rows 400000]
                                            [--open 300000] [--queries 50] [--completions 200]

1. Drops and creates database `motcua_bench_stats`, migrates it and makes a province (as
   the tests' World does). The counters are bulk inserted, not made by commands: three
   years (the figure's year and two before it, which the carried-over figure sums) of
   `--rows` counter rows a year (day × procedure × unit × channel: 365 days × 200
   procedures × 20 units × 3 channels, kept at random to `--rows`), `--dossiers` dossiers a
   year spread over them. `--open` open dossiers are copies of one real dossier's row, due
   over the year around now (a third overdue). `VACUUM (ANALYZE)` after.
2. `--queries` requests for the whole year through the app's test client (Flask,
   marshmallow, the SQL and the JSON: all of a request but the socket): the province, then
   grouped by month, then by unit. p50 / p95 / max in ms; then EXPLAIN ANALYZE of the sums.
3. `--completions` dossiers of two_steps.bpmn started and taken through both tasks (the
   second finishes the dossier), with the counters kept and then with them switched off
   (the tallies made no-ops): ms per dossier (intake + 2 completions), both ways.
4. The database is dropped at the end unless `--keep`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pg_admin import ADMIN_URL  # noqa: E402
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "motcua_bench_stats"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"


def fresh() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DB}"))
    admin.dispose()


def drop() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
    admin.dispose()


def seed(w: Any, year: int, dossiers: int, rows: int, open_: int) -> None:
    engine = w.ctx.db_engine
    per_row = max(1, dossiers // rows)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for y in (year - 2, year - 1, year):
            # A random `rows` of the year's 365 × 200 × 20 × 3 keys, each with its share.
            conn.execute(text(f"""
                INSERT INTO stats_counts (province, day, procedure_code, unit, channel,
                  received, finished_early, finished_on_time, finished_late, withdrawn,
                  processing_count, processing_hours, rated_4, rated_5)
                SELECT :p, make_date({y}, 1, 1) + (k % 365)::int, 'P' || ((k / 365) % 200),
                       'U' || ((k / 73000) % 20), (ARRAY['desk','online','post'])[k % 3 + 1],
                       {per_row}, {per_row // 2}, {per_row // 4}, {per_row // 8}, 0,
                       {per_row // 2}, {per_row * 20}, 1, 1
                FROM (SELECT DISTINCT (random() * 1460000)::int AS k
                      FROM generate_series(1, :n)) keys
                ON CONFLICT DO NOTHING"""), {"p": w.province, "n": rows})
        conn.execute(text("""
            INSERT INTO dossiers (province, code, unit, definition_id, process_key, status,
              channel, applicant, state, received_at, updated_at, procedure_code, due_at,
              warn_at, history_seq, history_head, pending_messages, paused_hours,
              pause_count, apology_count, row_version)
            SELECT province, 'B-' || g, unit, definition_id, process_key, 'in_process',
              channel, applicant, state, received_at, updated_at, 'P' || (g % 200),
              now() + ((g % 30) - 10) * interval '1 day',
              now() + ((g % 30) - 12) * interval '1 day', 0, '', 0, 0, 0, 0, 1
            FROM dossiers, generate_series(1, :n) g
            WHERE province = :p AND code NOT LIKE 'B-%'
            LIMIT :n"""), {"p": w.province, "n": open_})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) stats_counts"))
        conn.execute(text("VACUUM (ANALYZE) dossiers"))
        n = conn.execute(text("SELECT count(*), sum(received) FROM stats_counts "
                              "WHERE province = :p AND day >= make_date(:y, 1, 1)"),
                         {"p": w.province, "y": year}).one()
    print(f"seeded {n[0]:,} counter rows for {year} ({int(n[1]):,} dossiers received), "
          f"two years before it, {open_:,} open dossiers in {time.perf_counter() - t0:.1f} s")


def timed(w: Any, query: str, count: int) -> str:
    for _ in range(5):
        w.client.get(f"/api/v1/stats?{query}")
    took = []
    for _ in range(count):
        t = time.perf_counter()
        r = w.client.get(f"/api/v1/stats?{query}")
        took.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.get_json()
    took.sort()
    return (f"p50 {statistics.median(took):.1f} ms, p95 {took[int(len(took) * .95) - 1]:.1f}"
            f" ms, max {took[-1]:.1f} ms")


def per_dossier(w: Any, count: int) -> float:
    from tests.api.helpers import complete, dossier, started, step

    t = time.perf_counter()
    for _ in range(count):
        code = started(w)["code"]
        assert complete(w, step(dossier(w, code), "receive")["task_id"],
                        {"copies": 1}).status_code == 200
        assert complete(w, step(dossier(w, code), "appraise")["task_id"],
                        {"decision": "approve"}).status_code == 200
    return (time.perf_counter() - t) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--open", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--completions", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from engine.services.flow import tallies
    from engine.store.migrate import upgrade
    from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS
    from tests.conftest import make_world

    fresh()
    upgrade(URL)
    w = make_world(URL)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    try:
        w.client.post("/api/v1/dossiers", headers=w.headers("client"), json={
            "process_key": "two_steps", "applicant": {"name": "Mẫu"}, "data": {}})
        year = w.ctx.clock.now().year
        seed(w, year, args.dossiers, args.rows, args.open)
        base = f"province={w.province}&from={year}-01-01&to={year}-12-31"
        for label, query in (("province-year", base), ("by month", base + "&group_by=month"),
                             ("by unit", base + "&group_by=unit")):
            print(f"{label:14} {timed(w, query, args.queries)}")
        with w.ctx.db_engine.connect() as conn:
            plan = conn.execute(text(
                "EXPLAIN (ANALYZE) SELECT sum(received), sum(finished_late) FROM stats_counts "
                "WHERE province = :p AND day BETWEEN make_date(:y, 1, 1) AND make_date(:y, 12, 31)"),
                {"p": w.province, "y": year}).scalars().all()
        print("\n".join(plan[-3:]))
        per_dossier(w, 20)  # warm-up
        saved = {name: getattr(tallies, name) for name in ("received", "finished")}
        for name in saved:
            setattr(tallies, name, lambda *a, **k: None)
        off = per_dossier(w, args.completions)
        for name, hook in saved.items():
            setattr(tallies, name, hook)
        kept = per_dossier(w, args.completions)
        print(f"intake + 2 completions: {kept:.2f} ms with the counters, {off:.2f} ms "
              f"without ({kept - off:+.2f} ms)")
    finally:
        w.ctx.db_engine.dispose()
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
