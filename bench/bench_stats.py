"""The public figures of a province-year (`GET /api/v1/stats` and `/stats/indicators`) over
millions of dossiers on PostgreSQL, and what keeping the figures adds to a dossier's intake
and completion. Prints figures; asserts nothing about speed. Not part of the test run.

Run:  .venv/bin/python bench/bench_stats.py [--dossiers 10000000] [--open-share 0.03]
          [--db motcua_bench_stats] [--queries 50] [--completions 200] [--keep]

1. Drops and creates the database, migrates it and makes a province (as the tests' World
   does). `--dossiers` dossiers are written into `dossiers` by one generate_series per
   batch: received over three years (the figure's year and the two before it, which the
   carried-over figure sums), 200 procedures × 20 units × 3 channels, finished a few days
   later (early, on time or late), withdrawn or stopped, except `--open-share` of the last
   months' dossiers left open (some paused, some without a clock), due around now. Then
   the figures' tables are built from them as a full recount does (one INSERT … SELECT …
   GROUP BY each: the keyed counters, the province's days, the open dossiers' parts), and
   `VACUUM (ANALYZE)`.
2. `--queries` requests through the app's test client (Flask, marshmallow, the SQL and the
   JSON: all of a request but the socket): the province-year, its indicators, then grouped
   by month, then by unit, then narrowed to one procedure. p50 / p95 / max in ms, and the
   plans of the statements of the province-year.
3. `--completions` dossiers of two_steps.bpmn started and taken through both tasks (the
   second finishes the dossier), with the figures kept and with them switched off (the
   tallies and the open counts made no-ops): ms per dossier (intake + 2 completions).
4. The database is dropped at the end unless `--keep`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pg_admin import admin_sql  # noqa: E402
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 500_000
LOCAL = "AT TIME ZONE 'Asia/Ho_Chi_Minh'"


def generate(conn: Any, province: str, year: int, first: int, count: int, total: int,
             open_share: float) -> None:
    """Dossiers `first` … `first + count − 1` of `total`, spread evenly over three years
    up to the end of `year`; the last 120 days' have `open_share` left open."""
    conn.execute(text(f"""
        WITH g AS (
          SELECT g, make_timestamptz({year - 2}, 1, 1, 1, 0, 0, 'UTC')
                    + (g::float8 / :total) * interval '1095 days' AS recv,
                 hashint4(g) AS h
          FROM generate_series(:first, :last) g)
        INSERT INTO dossiers (province, code, unit, definition_id, process_key, status, channel,
          applicant, state, received_at, updated_at, finished_at, procedure_code, due_at,
          warn_at, timeliness, paused_since, history_seq, history_head, paused_hours,
          pause_count, apology_count, row_version, portal_status, files_kept)
        SELECT :p, 'B-' || g, 'U' || (abs(h) % 20), 1, 'two_steps', s.status,
          (ARRAY['desk','online','post'])[abs(h / 7) % 3 + 1], '{{}}', '{{}}', recv, recv,
          CASE WHEN s.status = 'in_process' THEN NULL
               ELSE recv + ((abs(h / 11) % 9) + 1) * interval '1 day' END,
          'P' || (abs(h / 13) % 200),
          CASE WHEN s.open AND abs(h / 17) % 10 = 0 THEN NULL
               ELSE recv + interval '7 days' END,
          CASE WHEN s.open AND abs(h / 17) % 10 = 0 THEN NULL
               ELSE recv + interval '5 days' END,
          CASE WHEN s.open THEN NULL
               WHEN abs(h / 11) % 9 < 5 THEN 'early' WHEN abs(h / 11) % 9 < 6 THEN 'on_time'
               ELSE 'late' END,
          CASE WHEN s.open AND abs(h / 17) % 10 = 1 THEN recv + interval '1 day' END,
          0, '', 0, abs(h / 19) % 3, 0, 1, 9, abs(h / 23) % 4
        FROM g, LATERAL (SELECT
          recv > now() - interval '120 days' AND abs(h / 3) % 10000 < :open_bp AS open) o,
          LATERAL (SELECT o.open, CASE WHEN o.open THEN 'in_process'
                                       WHEN abs(h / 5) % 100 = 0 THEN 'withdrawn'
                                       WHEN abs(h / 5) % 100 = 1 THEN 'stopped'
                                       ELSE 'finished' END AS status) s
        """), {"p": province, "first": first, "last": first + count - 1, "total": total,
               "open_bp": int(open_share * 10000)})


def recount(conn: Any, province: str) -> None:
    """The figures' tables from the dossiers, as the commands would have kept them."""
    day = f"(received_at {LOCAL})::date"
    end = f"(finished_at {LOCAL})::date"
    conn.execute(text(f"""
        INSERT INTO stats_counts (province, day, procedure_code, unit, channel, received,
          finished_early, finished_on_time, finished_late, withdrawn, stopped, digitised,
          results_electronic, processing_count, processing_hours)
        SELECT province, d, procedure_code, unit, channel, sum(r), sum(e), sum(o), sum(l),
          sum(w), sum(s), sum(dg), sum(re), sum(e + o + l), sum((e + o + l) * 20)
        FROM (
          SELECT province, {day} AS d, procedure_code, unit, channel, 1 AS r, 0 AS e, 0 AS o,
                 0 AS l, 0 AS w, 0 AS s, files_kept & 1 AS dg, 0 AS re
          FROM dossiers WHERE province = :p
          UNION ALL
          SELECT province, {end}, procedure_code, unit, channel, 0,
                 (timeliness = 'early' AND pause_count < 2)::int,
                 (timeliness = 'on_time' AND pause_count < 2)::int,
                 (timeliness = 'late' OR pause_count >= 2)::int,
                 (status = 'withdrawn')::int, (status = 'stopped')::int, 0,
                 (status = 'finished')::int * (files_kept & 2) / 2
          FROM dossiers WHERE province = :p AND finished_at IS NOT NULL) x
        GROUP BY province, d, procedure_code, unit, channel"""), {"p": province})
    for span in ("month", "year"):
        conn.execute(text(f"""
            INSERT INTO stats_counts_span (province, span, start, procedure_code, unit,
              channel, received, finished_early, finished_on_time, finished_late, withdrawn,
              stopped, digitised, results_electronic, processing_count, processing_hours)
            SELECT province, '{span}', CAST(date_trunc('{span}', day) AS date),
              procedure_code, unit, channel, sum(received), sum(finished_early),
              sum(finished_on_time), sum(finished_late), sum(withdrawn), sum(stopped),
              sum(digitised), sum(results_electronic), sum(processing_count),
              sum(processing_hours)
            FROM stats_counts WHERE province = :p
            GROUP BY province, 3, procedure_code, unit, channel"""), {"p": province})
    conn.execute(text("""
        INSERT INTO stats_counts_province (province, day, received, received_online,
          finished_early, finished_on_time, finished_late, withdrawn, stopped, digitised,
          results_electronic, processing_count, processing_hours)
        SELECT province, day, sum(received),
          sum(CASE WHEN channel = 'online' THEN received ELSE 0 END), sum(finished_early),
          sum(finished_on_time), sum(finished_late), sum(withdrawn), sum(stopped),
          sum(digitised), sum(results_electronic), sum(processing_count),
          sum(processing_hours)
        FROM stats_counts WHERE province = :p GROUP BY province, day"""), {"p": province})
    parts = f"""
        SELECT province, coalesce(procedure_code, '') AS procedure_code, unit, channel,
               'paused' AS kind, DATE '1900-01-01' AS day FROM o WHERE paused_since IS NOT NULL
        UNION ALL SELECT province, coalesce(procedure_code, ''), unit, channel, 'untimed',
               DATE '1900-01-01' FROM o WHERE paused_since IS NULL AND due_at IS NULL
        UNION ALL SELECT province, coalesce(procedure_code, ''), unit, channel, 'due',
               (due_at {LOCAL})::date FROM o WHERE paused_since IS NULL AND due_at IS NOT NULL
        UNION ALL SELECT province, coalesce(procedure_code, ''), unit, channel, 'warn',
               (warn_at {LOCAL})::date FROM o WHERE paused_since IS NULL AND warn_at IS NOT NULL
        UNION ALL SELECT province, coalesce(procedure_code, ''), unit, channel, 'warned_due',
               (due_at {LOCAL})::date FROM o WHERE paused_since IS NULL AND warn_at IS NOT NULL"""
    conn.execute(text(f"""
        WITH o AS (SELECT * FROM dossiers WHERE province = :p
                   AND status IN ('in_process', 'error'))
        INSERT INTO stats_open (province, procedure_code, unit, channel, kind, day, n)
        SELECT province, procedure_code, unit, channel, kind, day, count(*) FROM ({parts}) x
        GROUP BY province, procedure_code, unit, channel, kind, day"""), {"p": province})
    conn.execute(text("""
        INSERT INTO stats_open_province (province, kind, day, n)
        SELECT province, kind, day, sum(n) FROM stats_open WHERE province = :p
        GROUP BY province, kind, day"""), {"p": province})


def seed(w: Any, year: int, dossiers: int, open_share: float) -> None:
    engine = w.ctx.db_engine
    t0 = time.perf_counter()
    for first in range(1, dossiers + 1, BATCH):
        with engine.begin() as conn:
            generate(conn, w.province, year, first, min(BATCH, dossiers - first + 1), dossiers,
                     open_share)
        print(f"  {min(first + BATCH - 1, dossiers):,} dossiers "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    t1 = time.perf_counter()
    with engine.begin() as conn:
        recount(conn, w.province)
    t2 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("dossiers", "stats_counts", "stats_counts_province",
                      "stats_counts_span", "stats_open", "stats_open_province"):
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        sizes = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "stats_counts", "stats_counts_province", "stats_counts_span", "stats_open",
            "stats_open_province")}
        n_open = conn.execute(text("SELECT count(*) FROM dossiers WHERE status = 'in_process' "
                                   "AND province = :p"), {"p": w.province}).scalar_one()
    print(f"{dossiers:,} dossiers written in {t1 - t0:.0f} s ({n_open:,} open); figures "
          f"recounted in {t2 - t1:.0f} s, vacuumed in {time.perf_counter() - t2:.0f} s; "
          + ", ".join(f"{t} {n:,} rows" for t, n in sizes.items()), flush=True)


def timed(w: Any, path: str, count: int) -> str:
    for _ in range(5):
        w.client.get(path)
    took = []
    for _ in range(count):
        t = time.perf_counter()
        r = w.client.get(path)
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
    parser.add_argument("--open-share", type=float, default=0.03)
    parser.add_argument("--db", default="motcua_bench_stats")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--completions", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from engine.services.flow import tallies
    from engine.store import hot_path
    from engine.store.migrate import upgrade
    from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS
    from tests.conftest import make_world

    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}"
    admin_sql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)", f"CREATE DATABASE {args.db}")
    upgrade(url)
    w = make_world(url)
    assert w.deploy(TWO_STEPS, TWO_STEPS_FORMS).status_code == 201
    try:
        year = w.ctx.clock.now().year
        seed(w, year, args.dossiers, args.open_share)
        base = f"province={w.province}&from={year}-01-01&to={year}-12-31"
        check(w, year, base)
        for label, path in (
                ("province-year", f"/api/v1/stats?{base}"),
                ("indicators", f"/api/v1/stats/indicators?{base}"),
                ("by month", f"/api/v1/stats?{base}&group_by=month"),
                ("by unit", f"/api/v1/stats?{base}&group_by=unit"),
                ("one procedure", f"/api/v1/stats?{base}&procedure=P7")):
            print(f"{label:14} {timed(w, path, args.queries)}", flush=True)
        explain(w, year)
        per_dossier(w, 20)  # warm-up
        saved = {name: getattr(tallies, name) for name in ("received", "finished")}
        moved = hot_path.HotPath.moved
        for name in saved:
            setattr(tallies, name, lambda *a, **k: None)
        hot_path.HotPath.moved = lambda *a, **k: None  # type: ignore[method-assign]
        off = per_dossier(w, args.completions)
        for name, hook in saved.items():
            setattr(tallies, name, hook)
        hot_path.HotPath.moved = moved  # type: ignore[method-assign]
        kept = per_dossier(w, args.completions)
        print(f"intake + 2 completions: {kept:.2f} ms with the figures kept, {off:.2f} ms "
              f"without ({kept - off:+.2f} ms)")
    finally:
        w.ctx.db_engine.dispose()
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")


def check(w: Any, year: int, base: str) -> None:
    """The figures agree with counting the dossiers themselves (received in the year, and
    open now, by unit too)."""
    with w.ctx.db_engine.connect() as conn:
        received = conn.execute(text(
            f"SELECT count(*) FROM dossiers WHERE province = :p AND "
            f"extract(year FROM received_at {LOCAL}) = :y"), {"p": w.province, "y": year}
        ).scalar_one()
        open_ = conn.execute(text(
            "SELECT count(*) FROM dossiers WHERE province = :p AND status = 'in_process'"),
            {"p": w.province}).scalar_one()
    total = w.client.get(f"/api/v1/stats?{base}").get_json()["total"]
    by_unit = w.client.get(f"/api/v1/stats?{base}&group_by=unit").get_json()["groups"]
    assert total["received"]["new"] == received, (total["received"], received)
    assert sum(total["open_now"].values()) == open_, (total["open_now"], open_)
    assert sum(g["received"]["new"] for g in by_unit) == received
    print(f"checked: {received:,} received in {year}, {open_:,} open now: {total['open_now']}")


def explain(w: Any, year: int) -> None:
    """The plans of a province-year's three statements (execution time of each)."""
    from datetime import date

    from engine.services.public.figures import CARRIED
    from engine.store.stats_reads import Scope

    scope = Scope(w.province)
    with w.ctx.uow(readonly=True) as uow:
        conn = uow.session.connection()
        captured: list[tuple[str, Any]] = []

        def keep(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
            captured.append((statement, params))
        from sqlalchemy import event
        event.listen(conn, "before_cursor_execute", keep)
        uow.repo.counted(scope, date(year, 1, 1), date(year, 12, 31), None)
        uow.repo.counted(scope, None, date(year - 1, 12, 31), None, CARRIED)
        uow.repo.open_counts(scope, w.ctx.clock.now(), None)
        event.remove(conn, "before_cursor_execute", keep)
        for label, (statement, params) in zip(("the year's sums", "the years before",
                                               "open: kept counts", "open: today's split"),
                                              captured):
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE) " + statement, params).scalars().all()
            print(f"  {label}: {plan[-1].strip()}")


if __name__ == "__main__":
    main()
