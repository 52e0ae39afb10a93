"""Auditing a dossier's record on PostgreSQL: verify + re-execution of one dossier, the
throughput of `motcua history verify`, and the bytes of history per event. Prints figures;
asserts nothing about speed. Not part of the test run.

Run:  .venv/bin/python bench/bench_audit.py [--rounds 24] [--repeat 30] [--dossiers 2000]
                                            [--events 100] [--spread 30] [--jobs 1 2] [--keep]

1. Drops and creates database `motcua_bench_audit`, migrates it, makes province BENCH with
   one unit, a designer, a client, an officer and an auditor, and deploys a loop: a user task
   `review` whose form asks for a `note`, a script counting the rounds and a gateway
   going back to `review` until `--rounds` rounds are done (four events a round: about 100
   events for 24 rounds). One real dossier runs it to the end through the use cases (on the
   recorded clock, one round an hour).
2. Verifies that dossier `--repeat` times as the auditor, in process (the use case: chain,
   anchors, re-execution on its version and the comparison with the record and its stored
   state) and over the app's test client (`GET /history/verify`: all of a request but the
   socket), and replays it at its middle event: p50 / p95 / max in ms.
3. Bulk-inserts `--dossiers` synthetic dossiers of `--events` events each, each a valid
   chain (hashes computed by engine.history.event_hash, rows written by COPY; the dossier
   rows are copies of the real one; received over the first `--spread` days, a day's
   work as a province's is spread), writes the daily anchors of those days, verifies
   the real dossier again as in 2 (its verdict now re-computes the anchor holding its head),
   then times `motcua history verify --province BENCH --jobs N` for each of `--jobs`
   (the command line's own code, anchors included; N > 1: that many checking processes)
   over all of them: events per second.
4. `pg_total_relation_size('history_events')` (table, indexes, TOAST) over its row count.
5. The database is dropped at the end unless `--keep`.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pg_admin import ADMIN_URL, admin_sql  # noqa: E402,F401
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "motcua_bench_audit"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
PROVINCE = "BENCH"
UNIT = "000.00.01.B01"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 in Vietnam

LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_loop" name="Bench loop" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="Review">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="count" name="Count the round"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>rounds = rounds + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f4"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="count"/>
    <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="done"/>
    <bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="review">
      <bpmn:conditionExpression>rounds &lt; target</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""
FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "required": ["note"], "properties": {"note": {"type": "string", "maxLength": 200}}}




def figures(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):7.1f}  p95 {p95:7.1f}  max {ms[-1]:7.1f} ms"


class Bench:
    def __init__(self) -> None:
        from api.app import create_app
        from bench.five_steps import register_unit
        from engine.clock import ManualClock
        from engine.jobs.broker import install, make_broker
        from engine.services.org.auth import create_principal
        from engine.settings import Settings
        from engine.store.migrate import upgrade

        upgrade(URL)
        self.clock = ManualClock(START)
        self.app = create_app(Settings(database_url=URL), clock=self.clock)
        self.ctx = self.app.extensions["motcua"]
        install(self.ctx, make_broker(""))
        self.client = self.app.test_client()
        register_unit(self.ctx, PROVINCE, UNIT)
        self.callers: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}
        for who, role, unit, position in (("designer", "designer", None, None),
                                          ("client", "client", UNIT, None),
                                          ("officer", "officer", UNIT, "officer"),
                                          ("auditor", "auditor", None, None)):
            self.callers[who], self.tokens[who] = create_principal(
                self.ctx, name=f"bench {who}", role=role, province=PROVINCE, unit=unit,
                position=position)

    def real_dossier(self, rounds: int) -> tuple[str, int]:
        from engine.services.design import catalog
        from engine.services.desk.tasks import complete_task
        from engine.services.flow.intake import start_dossier

        catalog.deploy(self.ctx, self.callers["designer"], LOOP.encode(),
                       {"review.json": json.dumps(FORM).encode()})
        view, _ = start_dossier(self.ctx, self.callers["client"], process_key="bench_loop",
                                applicant={"type": "citizen", "name": "Nguyễn Văn Mẫu"},
                                data={"target": rounds, "rounds": 0}, unit=UNIT)
        assert not isinstance(view, type(None))
        for i in range(rounds):  # bounded: --rounds completions
            self.clock.advance(timedelta(hours=1))
            task = view.open_tasks[0]  # type: ignore[union-attr]
            view = complete_task(self.ctx, self.callers["officer"], task.id,
                                 {"note": f"vòng {i + 1}: đã xem xét"})
        dossier = view.dossier  # type: ignore[union-attr]
        assert dossier.status == "finished", dossier.status
        return dossier.code, dossier.history_seq

    def verify_times(self, code: str, events: int, repeat: int) -> None:
        from engine.services.records.audit import verify_dossier
        from engine.services.records.replay import replay

        auditor = self.callers["auditor"]
        headers = {"Authorization": f"Bearer {self.tokens['auditor']}"}
        verdict = verify_dossier(self.ctx, auditor, code)
        assert verdict.intact, verdict
        again = verdict.reexecution
        assert again is not None
        print(f"  the dossier: {events} events, {again.steps_compared} steps and "
              f"{again.digests_compared} state digests compared")
        runs: dict[str, list[float]] = {"use case": [], "HTTP": [], "replay": []}
        for i in range(repeat + 3):  # bounded: 3 warm-up runs, then --repeat
            t0 = time.perf_counter()
            verify_dossier(self.ctx, auditor, code)
            t1 = time.perf_counter()
            r = self.client.get(f"/api/v1/dossiers/{code}/history/verify", headers=headers)
            t2 = time.perf_counter()
            replay(self.ctx, auditor, code, events // 2)
            t3 = time.perf_counter()
            assert r.status_code == 200 and r.get_json()["intact"], r.get_json()
            if i >= 3:
                runs["use case"].append(t1 - t0)
                runs["HTTP"].append(t2 - t1)
                runs["replay"].append(t3 - t2)
        for name, times in runs.items():
            label = f"replay at seq {events // 2}" if name == "replay" else f"verify ({name})"
            print(f"  {label:24s} {figures(times)}")

    def fill(self, code: str, dossiers: int, events: int, spread: int) -> float:
        """`dossiers` copies of the real dossier's row, each with a synthetic valid chain of
        `events` events, by COPY."""
        from engine.history import GENESIS, event_hash

        t0 = time.perf_counter()
        with self.ctx.db_engine.begin() as conn:
            template = conn.execute(text("SELECT id FROM dossiers WHERE code = :c"),
                                    {"c": code}).scalar_one()
            first = int(conn.execute(text("SELECT max(id) FROM dossiers")).scalar_one()) + 1
            columns = [c for c in conn.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'dossiers' ORDER BY ordinal_position")).scalars()
                if c not in ("id", "code", "history_seq", "history_head", "idempotency_key")]
        raw = self.ctx.db_engine.raw_connection()
        try:
            pg = raw.driver_connection
            assert pg is not None
            cols = ", ".join(columns)
            copied = ", ".join("t." + c for c in columns)
            with pg.cursor() as cur:
                cur.execute("CREATE TEMP TABLE bench_heads (id bigint, head text)")
                chunk = max(1, 100_000 // events)
                for lo in range(0, dossiers, chunk):  # bounded: dossiers / chunk chunks
                    rows, heads = [], []
                    for did in range(first + lo, first + min(dossiers, lo + chunk)):
                        prev = GENESIS
                        for seq, (at, kind, element, task, payload) in enumerate(
                                _chain(did, events, spread), 1):
                            digest = event_hash(prev, seq, at, kind, None, element, task,
                                                payload)
                            rows.append((did, seq, at, kind, None, element, task,
                                         json.dumps(payload, ensure_ascii=False), prev,
                                         digest))
                            prev = digest
                        heads.append((did, prev))
                    cur.execute("TRUNCATE bench_heads")
                    with cur.copy("COPY bench_heads (id, head) FROM STDIN") as copy:
                        for head in heads:
                            copy.write_row(head)
                    cur.execute(
                        f"INSERT INTO dossiers (id, code, history_seq, history_head, {cols}) "
                        f"SELECT h.id, 'BENCH-' || h.id, %s, h.head, {copied} "
                        f"FROM bench_heads h CROSS JOIN dossiers t WHERE t.id = %s",
                        (events, template))
                    with cur.copy("COPY history_events (dossier_id, seq, at, kind, actor_id, "
                                  "element_id, task_id, payload, prev_hash, hash) "
                                  "FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    pg.commit()
            pg.commit()
        finally:
            raw.close()
        with self.ctx.db_engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) history_events")
            conn.exec_driver_sql("VACUUM (ANALYZE) dossiers")
        return time.perf_counter() - t0

    def anchor(self, days: int) -> tuple[float, int]:
        """The daily anchors of the first `days` days (each reads the chain heads of every
        dossier of the province at the end of its day)."""
        from engine.services.records.anchors import anchor_due

        self.clock.set(START + timedelta(days=days))
        t0 = time.perf_counter()
        done = anchor_due(self.ctx, PROVINCE)
        return time.perf_counter() - t0, len(done)

    def verify_all(self, jobs: int) -> tuple[float, str]:
        from api.cli import main

        out, err = io.StringIO(), io.StringIO()
        os.environ["MOTCUA_DATABASE_URL"] = URL
        t0 = time.perf_counter()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["history", "verify", "--province", PROVINCE, "--jobs", str(jobs)])
        elapsed = time.perf_counter() - t0
        last = [line for line in err.getvalue().splitlines() if "checked" in line]
        return elapsed, f"exit {code}: {last[-1] if last else err.getvalue()[-200:]}"

    def sizes(self) -> tuple[int, int]:
        with self.ctx.db_engine.connect() as conn:
            row = conn.execute(text("SELECT count(*), pg_total_relation_size('history_events') "
                                    "FROM history_events")).one()
        return int(row[0]), int(row[1])


def _chain(did: int, events: int, spread: int
           ) -> list[tuple[datetime, str, str | None, str | None, dict[str, Any]]]:
    """The events of a synthetic dossier as a real loop writes them: reception (on one of
    the `spread` first days), then rounds of a completion and its steps, an hour apart."""
    at = START + timedelta(days=did % spread, minutes=did % 1440)
    task = f"{did:08d}-0000-4000-8000-000000000000"
    rows: list[tuple[datetime, str, str | None, str | None, dict[str, Any]]] = [
        (at, "dossier.received", None, None, {
            "process_key": "bench_loop", "version": 1, "channel": "online",
            "applicant": {"type": "citizen", "name": "Nguyễn Văn Mẫu"},
            "data": {"target": 24, "rounds": 0}})]
    while len(rows) < events:  # bounded: `events` rows
        at += timedelta(hours=1)
        step = len(rows)
        rows.append((at, "task.completed", "review", task, {
            "data": {"note": f"vòng {step}: đã xem xét"}, "by": "bench officer",
            "position": "officer"}))
        for element, kind in (("review", "UserTask"), ("count", "ScriptTask"),
                              ("again", "ExclusiveGateway")):
            payload: dict[str, Any] = {"type": kind, "name": element.title()}
            if element == "again":
                payload["after"] = {"data": "%064x" % (did * 1000 + step),
                                    "waiting": ["review"]}
            rows.append((at, "step.completed", element, task, payload))
    return rows[:events]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--spread", type=int, default=30,
                        help="days over which the synthetic dossiers are received")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="`motcua history verify --jobs N` is timed for each N")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    admin_sql(f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB}")
    bench = Bench()
    try:
        print(f"PostgreSQL {DB}; nproc={os.cpu_count()} load={os.getloadavg()[0]:.2f}")
        code, events = bench.real_dossier(args.rounds)
        print(f"1. one dossier through {args.rounds} rounds of the loop")
        bench.verify_times(code, events, args.repeat)
        filled = bench.fill(code, args.dossiers, args.events, args.spread)
        total = args.dossiers * args.events
        print(f"2. {args.dossiers} synthetic dossiers x {args.events} events = {total} "
              f"events written in {filled:.1f} s")
        took, days = bench.anchor(days=args.spread + 3)
        print(f"   {days} daily anchors written in {took:.1f} s")
        print(f"   the dossier again, with {args.dossiers + 1} dossiers and anchors in its "
              f"province:")
        bench.verify_times(code, events, args.repeat)
        count, size = bench.sizes()
        for jobs in args.jobs:
            elapsed, said = bench.verify_all(jobs)
            print(f"   motcua history verify --jobs {jobs}: {count} events in {elapsed:.2f} s = "
                  f"{count / elapsed:,.0f} events/s ({said})")
        print(f"3. history_events: {size / 2**20:.1f} MiB for {count} events = "
              f"{size / count:.0f} bytes per event (table, indexes, TOAST)")
    finally:
        bench.ctx.db_engine.dispose()
        if not args.keep:
            admin_sql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
