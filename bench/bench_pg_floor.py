"""The floor under a completion on PostgreSQL: a bare durable transaction of the same shape,
with no engine, no history and no inbox, next to the raw SpiffWorkflow cycle.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_pg_floor.py [--n 2000] [--rounds 5]

Per transaction: lock one row (SELECT … FOR UPDATE), write a 4.5 KB JSON state and bump its
version, COMMIT (durable: this server runs fsync and synchronous_commit on). Four ways:
  psycopg          — its cursor and commit: BEGIN, SELECT, UPDATE, COMMIT, four round trips;
  psycopg-pipeline — the same in psycopg's own pipeline mode, two syncs: two round trips;
  pipeline         — engine.store.pg_pipeline as the hot path uses it: two round trips;
  raw+pipeline     — the raw cycle run inside that transaction (between the locking read and
                     the write): what any design pays that does the raw cycle's work and
                     stores it durably in PostgreSQL, before anything of its own.
Each round times the raw cycle of bench_inprocess (a) and then each way, back to back,
and prints wall and CPU (of this thread) per transaction and as a ratio to the raw cycle.
Database `motcua_bench_floor` is dropped and recreated.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_inprocess import fresh_pg, raw_complete, raw_parts, raw_spiff  # noqa: E402
from five_steps import FORM_DATA  # noqa: E402

DB = "motcua_bench_floor"
STATE = '{"tasks": "%s"}' % ("x" * 4500)
LOCK = b"SELECT id, version, state::text FROM t WHERE id = $1 FOR UPDATE"
WRITE = (b"WITH saved AS (UPDATE t SET state = $1, version = $2 WHERE id = $3 AND version = $4"
         b" RETURNING 1) SELECT 1 / count(*) FROM saved")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000, help="transactions per way and round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from psycopg import RawCursor

    from engine.store.pg_pipeline import HotConnection, Step, begin_if_idle, exchange, rows

    fresh_pg(DB)
    conn = HotConnection.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}")
    conn.execute("CREATE TABLE t (id int PRIMARY KEY, version int NOT NULL, state json)")
    conn.execute("INSERT INTO t SELECT g, 0, '{}' FROM generate_series(1, 100) g")
    conn.commit()
    settings = [conn.execute(f"SHOW {s}").fetchone()[0]  # type: ignore[index]
                for s in ("fsync", "synchronous_commit")]
    conn.commit()
    print(f"fsync {settings[0]}, synchronous_commit {settings[1]}")

    def plain() -> None:
        with RawCursor(conn) as cur:
            cur.execute(LOCK, (7,))
            (_, version, _), = cur.fetchall()
            cur.execute(WRITE, (STATE, version + 1, 7, version))
        conn.commit()

    def psycopg_piped() -> None:
        with RawCursor(conn) as cur, conn.pipeline() as pipe:
            cur.execute(LOCK, (7,), prepare=True)
            pipe.sync()
            (_, version, _), = cur.fetchall()
            cur.execute(WRITE, (STATE, version + 1, 7, version), prepare=True)
            conn.commit()

    def piped() -> None:
        found = exchange(conn, [*begin_if_idle(conn), Step(LOCK, (7,), prepare=True)])
        (_, version, _), = rows(conn, found[-1])
        exchange(conn, [Step(WRITE, (STATE, version + 1, 7, version), prepare=True),
                        Step(b"COMMIT")])

    start, serializer = raw_parts()
    pending: deque[tuple[Any, Any]] = deque()

    def prepare(n: int) -> None:
        """Workflows for n completions, started before the clock runs (as bench_inprocess
        starts each dossier outside its timing)."""
        pending.clear()
        for i in range(-(-n // len(FORM_DATA))):
            wf, _ = start(i)
            pending.extend((wf, form) for form in FORM_DATA)

    def raw_piped() -> None:
        wf, form = pending.popleft()
        found = exchange(conn, [*begin_if_idle(conn), Step(LOCK, (7,), prepare=True)])
        (_, version, _), = rows(conn, found[-1])
        raw_complete(wf, serializer, form)
        exchange(conn, [Step(WRITE, (STATE, version + 1, 7, version), prepare=True),
                        Step(b"COMMIT")])

    def per_call(fn: Callable[[], None], n: int, timer: Callable[[], float]) -> float:
        t0 = timer()
        for _ in range(n):
            fn()
        return (timer() - t0) / n

    ways = (("psycopg", plain), ("psycopg-pipeline", psycopg_piped), ("pipeline", piped),
            ("raw+pipeline", raw_piped))
    prepare(200)
    for _name, fn in ways:
        per_call(fn, 200, time.perf_counter)  # warm-up: psycopg prepares after 5 runs
    raw_spiff(20)
    figures: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for clock, timer in (("wall", time.perf_counter), ("cpu", time.thread_time)):
            spent, done = raw_spiff(40, timer=timer)
            raw = spent / done
            figures.setdefault(f"raw {clock}", []).append(raw)
            for name, fn in ways:
                if fn is raw_piped:
                    prepare(args.n)
                cost = per_call(fn, args.n, timer)
                figures.setdefault(f"{name} {clock}", []).append(cost)
                figures.setdefault(f"{name} {clock} ratio", []).append(cost / raw)
    conn.close()
    for key, values in figures.items():
        s = sorted(values)
        unit = ("x", 1.0) if key.endswith("ratio") else (" ms", 1000.0)
        print(f"{key:30s} min {s[0] * unit[1]:.3f}{unit[0]}, median "
              f"{s[len(s) // 2] * unit[1]:.3f}{unit[0]}, max {s[-1] * unit[1]:.3f}{unit[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
