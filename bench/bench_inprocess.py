"""In-process cost per task completion: raw SpiffWorkflow vs motcua's use cases (no HTTP).

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_inprocess.py [--dossiers 200] [--src DIR]
          [--backends postgresql sqlite] [--rounds 7 --block 40] [--no-profile]

(a) raw SpiffWorkflow in memory: parse once; per dossier a BpmnWorkflow, do_engine_steps,
    then 5 x (set_data + run + do_engine_steps, then serialize_json of the whole workflow).
(b) motcua: engine.services.flow.intake.start_dossier + engine.services.desk.tasks.complete_task on a
    Context from engine.wiring.build_context, on PostgreSQL (database motcua_bench_inproc,
    dropped and recreated) and on a fresh SQLite file. A no-op `send_job` is installed as
    under gunicorn with Redis (the outbox relay only runs after commits that wrote outbox
    rows, so it does not run for this timer-free process). SQL statements per completion
    are counted at the driver: psycopg's cursor, sqlite3's trace callback.
Then cProfile of (b) on PostgreSQL for about 200 completions; the top 25 functions by
cumulative (and by internal) time go to /tmp/motcua_bench_profile.txt.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from five_steps import FORM_DATA, PROCESS_KEY, UNIT, bench_callers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG_DB = "motcua_bench_inproc"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
PROFILE_OUT = Path("/tmp/motcua_bench_profile.txt")


def bpmn_and_forms() -> tuple[bytes, dict[str, bytes]]:
    forms = {f.name: f.read_bytes() for f in sorted((BENCH / "forms").glob("*.json"))}
    return (BENCH / "five_steps.bpmn").read_bytes(), forms


# -- (a) raw SpiffWorkflow ----------------------------------------------------------------
def raw_spiff(dossiers: int, with_load: bool = False,
              timer: Callable[[], float] = time.perf_counter) -> tuple[float, int]:
    """Seconds spent and completions done. with_load: also deserialize before each step."""
    start, serializer = raw_parts()
    done = 0
    spent = 0.0
    for i in range(dossiers):
        wf, state = start(i)
        for form in FORM_DATA:  # bounded: 5 user tasks
            t0 = timer()
            if with_load:
                wf = serializer.deserialize_json(state)
            state = raw_complete(wf, serializer, form)
            spent += timer() - t0
            done += 1
        assert wf.completed
    return spent, done


def raw_parts() -> tuple[Callable[[int], tuple[Any, str]], Any]:
    """The process parsed once: a function starting the i-th workflow (run to its first
    user task and serialized), and the serializer."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_str((BENCH / "five_steps.bpmn").read_bytes(), "five_steps.bpmn")
    spec = parser.get_spec(PROCESS_KEY)
    subs = parser.get_subprocess_specs(PROCESS_KEY)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def start(i: int) -> tuple[Any, str]:
        wf = BpmnWorkflow(spec, subs)
        wf.get_next_task(state=TaskState.READY).data.update(
            {"household_name": f"Hộ {i}", "capital_vnd": 150_000_000})
        wf.do_engine_steps()
        return wf, serializer.serialize_json(wf)

    return start, serializer


def raw_complete(wf: Any, serializer: Any, form: dict[str, Any]) -> str:
    """The raw cycle: the waiting user task completed with `form`, the engine run on, the
    whole workflow serialized."""
    from SpiffWorkflow.util.task import TaskState

    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    task.set_data(**form)
    task.run()
    wf.do_engine_steps()
    return serializer.serialize_json(wf)  # type: ignore[no-any-return]


# -- (b) motcua use cases -----------------------------------------------------------------
def fresh_pg(db: str = PG_DB) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
                        sql], check=True, capture_output=True, timeout=120)


class Motcua:
    """A migrated database, a Context, principals and the deployed bench process."""

    def __init__(self, url: str, relay: bool = False) -> None:
        from engine.services.design import catalog
        from engine.settings import Settings
        from engine.store.migrate import upgrade
        from engine.wiring import build_context

        upgrade(url)
        self.ctx = build_context(Settings(database_url=url))
        if relay:
            self.ctx.send_job = lambda actor, payload, delay: None
        self.designer, self.client, self.officer = bench_callers(self.ctx, "BENCH")
        bpmn, forms = bpmn_and_forms()
        catalog.deploy(self.ctx, self.designer, bpmn, forms)
        self.n = 0

    def start(self) -> Any:
        """A new dossier, waiting at its first task: the view start_dossier returns."""
        from engine.services.flow.intake import start_dossier

        self.n += 1
        view, _ = start_dossier(
            self.ctx, self.client, process_key=PROCESS_KEY,
            applicant={"type": "citizen", "name": f"Người nộp {self.n}"},
            data={"household_name": f"Hộ {self.n}", "capital_vnd": 150_000_000},
            unit=UNIT, idempotency_key=f"inproc-{self.n}")
        return view

    def run(self, dossiers: int, timer: Callable[[], float] = time.perf_counter
            ) -> dict[str, Any]:
        from engine.services.desk.tasks import complete_task

        intake: list[float] = []
        complete: list[float] = []
        for _i in range(dossiers):
            t0 = timer()
            view = self.start()
            intake.append(timer() - t0)
            for form in FORM_DATA:  # bounded: 5 user tasks
                task_id = view.open_tasks[0].id  # each command returns the next steps
                t0 = timer()
                view = complete_task(self.ctx, self.officer, task_id, form)
                complete.append(timer() - t0)
            assert view.dossier.status == "finished", view.dossier.status
        return {"intake": intake, "complete": complete}

    def count_statements(self, dossiers: int = 5) -> dict[str, float]:
        """SQL statements per complete_task call, by kind, and on PostgreSQL the round trips
        to the server. Counted at the driver (the hot path bypasses SQLAlchemy): psycopg's
        cursor and commit and the hot path's pipelines on PostgreSQL, sqlite3's trace
        callback on SQLite."""
        import psycopg
        from sqlalchemy import event

        from engine.services.desk.tasks import complete_task
        from engine.services.flow.intake import start_dossier

        counts: dict[str, int] = {}
        active = [False]

        def note(statement: str) -> None:
            words = statement.split()
            kind = " ".join(words[:1] + ([words[2]] if words[:1] == ["INSERT"] else []))
            if words[:1] == ["SELECT"]:
                kind = "SELECT" + (" FOR UPDATE" if "FOR UPDATE" in statement else "")
                kind += " outbox" if "FROM outbox" in statement else ""
            if words[:1] == ["UPDATE"]:
                kind = "UPDATE " + words[1]
            if words[:1] == ["WITH"]:
                kind = "WITH (writes)"
            counts[kind] = counts.get(kind, 0) + 1

        def traced(statement: str) -> None:  # sqlite3's trace callback: every statement run
            if active[0]:
                note(statement)

        def trace(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            dbapi_conn.set_trace_callback(traced)

        pg = self.ctx.db_engine.dialect.name == "postgresql"
        idle = psycopg.pq.TransactionStatus.IDLE

        def trip() -> None:
            counts["(round trip)"] = counts.get("(round trip)", 0) + 1

        # PostgreSQL: psycopg's cursors and commits (one round trip each, and one more for
        # the BEGIN psycopg sends first), and the hot path's pipelines (one each).
        commit = psycopg.Connection.commit
        execute = psycopg.Cursor.execute

        def counted_commit(conn: Any) -> None:
            if active[0] and conn.info.transaction_status != idle:
                note("COMMIT")
                trip()
            commit(conn)

        def counted_execute(cur: Any, query: Any, *args: Any, **kw: Any) -> Any:
            if active[0]:
                if cur.connection.info.transaction_status == idle \
                        and not cur.connection.autocommit:
                    note("BEGIN")
                    trip()
                note(query.decode() if isinstance(query, bytes) else str(query))
                trip()
            return execute(cur, query, *args, **kw)

        pipelined: list[tuple[Any, str, Any]] = []
        if pg:
            try:
                from engine.store import pg_hot, pg_pipeline
            except ImportError:  # a checkout from before the pipeline (--src)
                pass
            else:
                exchange = pg_pipeline.exchange

                def counted_exchange(conn: Any, steps: Any) -> Any:
                    if active[0]:
                        for one in steps:
                            note(one.sql.decode())
                        trip()
                    return exchange(conn, steps)

                pipelined = [(pg_pipeline, "exchange", exchange), (pg_hot, "exchange", exchange)]
        if pg:
            psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
            psycopg.Connection.commit = counted_commit  # type: ignore[method-assign]
            for module, name, _real in pipelined:
                setattr(module, name, counted_exchange)
        else:
            event.listen(self.ctx.db_engine, "checkout", trace)
        done = 0
        try:
            for _i in range(dossiers):
                self.n += 1
                view, _ = start_dossier(
                    self.ctx, self.client, process_key=PROCESS_KEY,
                    applicant={"type": "citizen", "name": "x"}, data={}, unit=UNIT,
                    idempotency_key=f"count-{self.n}")
                for form in FORM_DATA:
                    task_id = view.open_tasks[0].id
                    active[0] = True
                    view = complete_task(self.ctx, self.officer, task_id, form)
                    active[0] = False
                    done += 1
        finally:
            if pg:
                psycopg.Cursor.execute = execute  # type: ignore[method-assign]
                psycopg.Connection.commit = commit  # type: ignore[method-assign]
                for module, name, real in pipelined:
                    setattr(module, name, real)
            else:
                event.remove(self.ctx.db_engine, "checkout", trace)
        return {k: v / done for k, v in sorted(counts.items())}

    def close(self) -> None:
        self.ctx.db_engine.dispose()


def interleaved(m: Motcua, rounds: int, block: int) -> dict[str, list[float]]:
    """Ratios of motcua's cost per completion to the raw cycle's, each round measuring
    both back to back: this machine's speed drifts within seconds, so a ratio of two
    figures taken minutes apart says less than the spread of these."""
    out: dict[str, list[float]] = {"wall": [], "cpu": []}
    for _ in range(rounds):
        for key, timer in (("wall", time.perf_counter), ("cpu", time.thread_time)):
            spent, done = raw_spiff(block, timer=timer)
            ours = m.run(block, timer=timer)["complete"]
            out[key].append(statistics.fmean(ours) / (spent / done))
    return out


def spread(values: list[float]) -> str:
    s = sorted(values)
    return f"min {s[0]:.1f}x, median {s[len(s) // 2]:.1f}x, max {s[-1]:.1f}x"


def ms(values: list[float]) -> str:
    s = sorted(values)
    return (f"mean {statistics.fmean(s) * 1000:.2f} ms, p50 {s[len(s) // 2] * 1000:.2f} ms, "
            f"p95 {s[int(len(s) * 0.95)] * 1000:.2f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dossiers", type=int, default=200)
    ap.add_argument("--profile-dossiers", type=int, default=40, help="x5 completions")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per backend")
    ap.add_argument("--block", type=int, default=40, help="dossiers per interleaved round")
    ap.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"],
                    choices=["postgresql", "sqlite"])
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="directory of the product code to run (default: this checkout)")
    args = ap.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    os.chdir(args.src.resolve())
    import engine

    print(f"product code from {Path(engine.__file__).parent.parent}")
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}")
    n = args.dossiers

    raw_spiff(20)  # warm-up
    spent, done = raw_spiff(n)
    raw = spent / done
    print(f"(a) raw SpiffWorkflow, {done} completions: {raw * 1000:.3f} ms per completion "
          f"(set_data + run + do_engine_steps + serialize_json)")
    spent_l, done_l = raw_spiff(n, with_load=True)
    raw_l = spent_l / done_l
    print(f"    same with deserialize_json before each step: {raw_l * 1000:.3f} ms")

    results: dict[str, float] = {}
    runs: list[tuple[str, Callable[[], Motcua]]] = []

    def pg() -> Motcua:
        fresh_pg()
        return Motcua(PG_URL, relay=True)

    tmp = tempfile.mkdtemp(prefix="motcua_bench_")
    if "postgresql" in args.backends:
        runs.append(("PostgreSQL", pg))
    if "sqlite" in args.backends:
        runs.append(("SQLite", lambda: Motcua(f"sqlite:///{tmp}/bench.sqlite3", relay=True)))
    for label, make in runs:
        m = make()
        try:
            m.run(5)  # warm-up: compiles and caches the spec, fills the pool
            r = m.run(n)
            stmts = m.count_statements()
            rounds = interleaved(m, args.rounds, args.block)
        finally:
            m.close()
        per = statistics.fmean(r["complete"])
        results[label] = per
        print(f"(b) motcua complete_task on {label}, {len(r['complete'])} completions: "
              f"{ms(r['complete'])}")
        print(f"    start_dossier: {ms(r['intake'])}")
        cpu = m.run(n, timer=time.thread_time)["complete"]
        print(f"    CPU of the calling thread per completion (time.thread_time, another {n} "
              f"dossiers): {statistics.fmean(cpu) * 1000:.2f} ms")
        plain = {k: v for k, v in stmts.items() if not k.startswith("(")}
        trips = (f", {stmts['(round trip)']:.1f} round trips to the server"
                 if "(round trip)" in stmts else "")
        print(f"    SQL per complete_task: {sum(plain.values()):.1f} statements{trips}: "
              + ", ".join(f"{k} {v:.1f}" for k, v in plain.items()))
        print(f"    ratio to raw SpiffWorkflow cycle: {per / raw:.1f}x "
              f"(to the cycle with deserialize: {per / raw_l:.1f}x)")
        print(f"    interleaved, {args.rounds} rounds of {args.block} dossiers each way "
              f"(raw cycle, then motcua): wall ratio {spread(rounds['wall'])}; CPU ratio "
              f"{spread(rounds['cpu'])}")

    # -- profile ------------------------------------------------------------------------
    if args.no_profile:
        return 0
    fresh_pg()
    m = Motcua(PG_URL, relay=True)
    try:
        m.run(5)
        prof = cProfile.Profile()
        prof.enable()
        r = m.run(args.profile_dossiers)
        prof.disable()
    finally:
        m.close()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(25)
    out.write("\n\n--- by internal time (tottime) ---\n")
    stats.sort_stats("tottime").print_stats(25)
    header = (f"cProfile of motcua in process on PostgreSQL, "
              f"{args.profile_dossiers} dossiers: start_dossier + "
              f"{len(r['complete'])} complete_task calls, plus one open-task lookup each\n")
    PROFILE_OUT.write_text(header + out.getvalue())
    print(f"profile written to {PROFILE_OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
