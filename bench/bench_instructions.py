"""Instructions per task completion, counted by valgrind's callgrind: the raw SpiffWorkflow
cycle against motcua's complete_task on PostgreSQL and on SQLite.

Prints figures; asserts nothing. Not part of the test run. Needs valgrind.

Run:  .venv/bin/python bench/bench_instructions.py [--dossiers 20] [--src DIR]
          [--cases raw postgresql sqlite] [--parts] [--subscriptions 3]

Seconds on this shared machine drift by half within minutes; an instruction count does not
(the same code on the same input counts the same, whatever else runs). Each case runs in a
child process under `valgrind --tool=callgrind --collect-atstart=no` and counts only
inside one call of `operator.call` (callgrind's --toggle-collect on CPython's
`_operator_call`): setup, warm-up and the dossiers' intakes run outside it, the 5
completions of each dossier inside it.

(a) raw: the cycle of bench_inprocess.py (set_data + run + do_engine_steps +
    serialize_json of the whole workflow), on workflows started beforehand.
(b) motcua: engine.services.desk.tasks.complete_task on dossiers started beforehand (one
    durable transaction each: engine, form validation, history, inbox rows, store).

With --parts, each case runs again with one part switched off (for counting only: the
process still runs to its end), and the difference is that part's count: the raw cycle's
`serialize_json`; motcua's form validation, history hashing and state dump.

Counted: user-space instructions of the calling process, C libraries included (libpq,
psycopg, orjson, SQLite). Not counted: the kernel, and the PostgreSQL server's own
processes. An instruction count says how much work a path does, not how fast it runs: a
path that waits on sockets or touches more memory runs fewer instructions per second.
"""
from __future__ import annotations

import argparse
import operator
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_inprocess import PG_URL, Motcua, fresh_pg, raw_parts  # noqa: E402
from five_steps import FORM_DATA  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COUNTED = re.compile(r"Collected : (\d+)")


PARTS = {"raw": ["serialize"], "postgresql": ["forms", "hash", "dump"],
         "sqlite": ["forms", "hash", "dump"]}


def switch_off(part: str) -> None:
    """Replace one part by a stand-in doing (next to) nothing, so that counting with and
    without it gives its cost. The stand-ins keep the process running to its end."""
    if part == "forms":
        import engine.services.desk.tasks

        engine.services.desk.tasks.validate_form = lambda *args, **kwargs: None
    elif part == "hash":
        import engine.services.flow.progress

        engine.services.flow.progress.event_hash = lambda *args, **kwargs: "0" * 64
    elif part == "dump":  # the first dump, written again and again
        from engine.runtime.instance import Instance

        dump = Instance.dump
        first: list[Any] = []

        def dump_once(self: Instance) -> Any:
            if not first:
                first.append(dump(self))
            return first[0]

        Instance.dump = dump_once  # type: ignore[method-assign]


def raw_step(wf: Any, _serializer: Any, form: dict[str, Any]) -> None:
    """The raw cycle without its serialize_json."""
    from SpiffWorkflow.util.task import TaskState

    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(**form)
    task.run()
    wf.do_engine_steps()


def child(case: str, dossiers: int, sqlite_dir: str, off: str | None,
          subscriptions: int = 0) -> int:
    """Run one case; the completions run inside operator.call, which callgrind counts."""
    if off is not None:
        switch_off(off)
    if case == "raw":
        start, serializer = raw_parts()
        from bench_inprocess import raw_complete

        cycle = raw_step if off == "serialize" else raw_complete
        for i in range(5):  # warm-up
            wf, _ = start(i)
            for form in FORM_DATA:
                cycle(wf, serializer, form)
        workflows = [start(i)[0] for i in range(dossiers)]

        def complete_all() -> int:
            for wf in workflows:
                for form in FORM_DATA:  # bounded: 5 user tasks
                    cycle(wf, serializer, form)
            return len(workflows) * len(FORM_DATA)
    else:
        from engine.services.desk.tasks import complete_task

        url = PG_URL if case == "postgresql" else f"sqlite:///{sqlite_dir}/bench.sqlite3"
        m = Motcua(url, relay=True)
        if subscriptions:  # the client's, to every event (no broker: they stay pending)
            from bench_webhooks import subscribe

            subscribe(m, "http://127.0.0.1:9/hook", subscriptions)
        m.run(5)  # warm-up: compiles and caches the spec, fills the pool
        views = [m.start() for _ in range(dossiers)]

        def complete_all() -> int:
            done = 0
            for view in views:
                for form in FORM_DATA:  # bounded: 5 user tasks
                    view = complete_task(m.ctx, m.officer, view.open_tasks[0].id, form)
                    done += 1
                assert view.dossier.status == "finished", view.dossier.status
            return done
    done = operator.call(complete_all)
    print(f"completions {done}", flush=True)
    return 0


def count(case: str, dossiers: int, src: Path, off: str | None = None,
          subscriptions: int = 0) -> tuple[int, int]:
    """Instructions counted and completions done by one case under callgrind."""
    if case == "postgresql":
        fresh_pg()
    with tempfile.TemporaryDirectory(prefix="motcua_icount_") as tmp:
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               "--toggle-collect=_operator_call", f"--callgrind-out-file={tmp}/callgrind.out",
               sys.executable, str(Path(__file__).resolve()), "--child", case,
               "--dossiers", str(dossiers), "--src", str(src), "--sqlite-dir", tmp,
               *(["--off", off] if off else []),
               *(["--subscriptions", str(subscriptions)] if subscriptions else [])]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    found = COUNTED.search(run.stderr)
    done = re.search(r"completions (\d+)", run.stdout)
    if run.returncode != 0 or found is None or done is None:
        raise SystemExit(f"{case} failed (rc {run.returncode}):\n{run.stdout}\n{run.stderr[-3000:]}")
    return int(found.group(1)), int(done.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dossiers", type=int, default=20, help="x5 completions per case")
    ap.add_argument("--cases", nargs="+", default=["raw", "postgresql", "sqlite"],
                    choices=["raw", "postgresql", "sqlite"])
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="directory of the product code to run (default: this checkout)")
    ap.add_argument("--parts", action="store_true",
                    help="also count each case with one part switched off at a time")
    ap.add_argument("--subscriptions", type=int, default=0,
                    help="the client subscribes this many webhooks to every event first")
    ap.add_argument("--off", help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=["raw", "postgresql", "sqlite"], help=argparse.SUPPRESS)
    ap.add_argument("--sqlite-dir", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    os.chdir(args.src.resolve())
    if args.child:
        return child(args.child, args.dossiers, args.sqlite_dir, args.off, args.subscriptions)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 1
    print(f"product code from {args.src.resolve()}; Python {sys.version.split()[0]}")
    per: dict[str, float] = {}
    for case in args.cases:
        instructions, done = count(case, args.dossiers, args.src.resolve(),
                                   subscriptions=args.subscriptions)
        if instructions == 0:
            print(f"{case}: nothing counted (is CPython's _operator_call symbol stripped?)")
            return 1
        per[case] = instructions / done
        ratio = f", {per[case] / per['raw']:.2f}x the raw cycle" if "raw" in per and case != "raw" else ""
        print(f"{case:10s} {done} completions, {per[case] / 1e6:.3f} M instructions per "
              f"completion{ratio}", flush=True)
        for part in PARTS[case] if args.parts else []:
            without, done_without = count(case, args.dossiers, args.src.resolve(), part,
                                          args.subscriptions)
            saved = per[case] - without / done_without
            print(f"{'':10s} {part}: {saved / 1e6:.3f} M per completion "
                  f"({saved / per[case]:.0%} of the case)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
