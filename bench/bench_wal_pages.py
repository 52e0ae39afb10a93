"""Pages a SQLite command writes to the WAL, by table and index: for dossiers that 3
webhook subscriptions follow and for dossiers that none follows.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_wal_pages.py [--dossiers 100] [--repeat 2]

A fresh SQLite file in a temporary directory (bench_inprocess.Motcua, five_steps.bpmn),
the automatic checkpoint off on the engine's connections. Before each measure the WAL is
checkpointed and truncated; then `--dossiers` dossiers run (intake + 5 completions each),
started by the followed portal or by the other one (bench_webhooks.quiet_client), and the
WAL's frames are read back: one frame is one page written by one commit. Each frame's page
is named by the b-tree that holds it (SQLite's dbstat table). Commits write every page
they changed whole, so a row added in the middle of an index costs a page, as does one
added at its end.
"""
from __future__ import annotations

import argparse
import collections
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_inprocess import Motcua  # noqa: E402
from bench_webhooks import quiet_client, subscribe  # noqa: E402

FRAME_HEADER, WAL_HEADER = 24, 32


def frames(path: str, page_size: int) -> collections.Counter[int]:
    """How many frames of the WAL hold each page."""
    data = Path(path + "-wal").read_bytes()
    found: collections.Counter[int] = collections.Counter()
    for offset in range(WAL_HEADER, len(data) - FRAME_HEADER + 1, FRAME_HEADER + page_size):
        found[struct.unpack(">I", data[offset:offset + 4])[0]] += 1
    return found


def measure(m: Motcua, path: str, client: Any, dossiers: int) -> dict[str, float]:
    """WAL pages per command (1 intake + 5 completions a dossier), by b-tree."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    m.client = client
    m.run(dossiers)
    counted = frames(path, page_size)
    with sqlite3.connect(path) as conn:
        names = {page: name for name, page in conn.execute("SELECT name, pageno FROM dbstat")}
    by: collections.Counter[str] = collections.Counter()
    for page, count in counted.items():
        by[names.get(page, "(freed)")] += count
    commands = dossiers * 6
    return {name: count / commands for name, count in by.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dossiers", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    from sqlalchemy import event

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.sqlite3"
        m = Motcua(f"sqlite:///{path}", relay=True)

        @event.listens_for(m.ctx.db_engine, "connect")
        def _no_checkpoint(conn: Any, _record: Any) -> None:
            conn.execute("PRAGMA wal_autocheckpoint=0")

        m.ctx.db_engine.dispose()
        followed, quiet = m.client, quiet_client(m)
        subscribe(m, "http://127.0.0.1:9/hook", 3)
        m.run(20)  # the tables' first pages
        for run in range(args.repeat):
            off = measure(m, path, quiet, args.dossiers)
            on = measure(m, path, followed, args.dossiers)
            print(f"run {run + 1}: {args.dossiers} dossiers each, WAL pages per command: "
                  f"not followed {sum(off.values()):.2f}, followed by 3 subscriptions "
                  f"{sum(on.values()):.2f} ({sum(on.values()) - sum(off.values()):+.2f})")
            for name in sorted(set(on) | set(off), key=lambda n: -on.get(n, 0) - off.get(n, 0)):
                if on.get(name, 0) + off.get(name, 0) >= 0.5:
                    print(f"    {name:40s} {off.get(name, 0):6.2f} {on.get(name, 0):6.2f}")
        m.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
