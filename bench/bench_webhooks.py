"""Webhooks: what matching subscriptions add to a task completion, and how many deliveries
per second two worker processes send to a local receiver.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_webhooks.py [--rounds 5 --block 20] [--deliveries 600]
          [--redis redis://127.0.0.1:6379/14] [--backends postgresql sqlite]

(a) In process (as bench_inprocess.py: start_dossier + 5 complete_task of five_steps.bpmn),
    blocks of dossiers without and with 3 subscriptions of the client to every event (in
    turn, the order swapped every other round), on the same database (the subscriptions are switched off between blocks, so the
    same tables and the same machine's drift are measured). With them, each completion
    writes its deliveries in its own write statement and, after commit, hands their ids to
    the process's hand-off thread, which enqueues them on Redis (`--redis`; without it a
    no-op `send_job`). Cost = mean completion time with / without - 1; also the process's
    CPU time (every thread) per block, with / without - 1. On PostgreSQL, `ANALYZE` before
    each block (untimed), as autovacuum would on a production server (see `analyze`).
(b) PostgreSQL + Redis: deliveries written while no broker is reachable (pending rows),
    then `motcua worker --processes 2` started; its sweep and its actors send them to a
    ThreadingHTTPServer on 127.0.0.1 answering 204. Rate = deliveries / (last request -
    first request), at the receiver.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_inprocess import Motcua, fresh_pg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "motcua_bench_webhooks"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
ALL = (1 << 6) - 1  # every event type (engine.integration.webhooks.EVENT_TYPES)


def subscribe(m: Motcua, url: str, count: int, mask: int = ALL) -> list[int]:
    from engine.integration.webhooks import new_secret
    from engine.store.models_webhooks import WebhookSubscription

    now = m.ctx.clock.now()
    with m.ctx.uow() as uow:
        subs = [WebhookSubscription(province="BENCH", owner_id=m.client.id, url=url,
                                    event_mask=mask, client_id=m.client.id,
                                    secret=new_secret(), created_at=now)
                for _ in range(count)]
        for s in subs:
            uow.repo.add(s)
        uow.repo.flush()
        uow.commit()
        return [s.id for s in subs]


def switch(m: Motcua, on: bool) -> None:
    from sqlalchemy import update

    from engine.store.models_webhooks import WebhookSubscription

    with m.ctx.uow() as uow:
        uow.session.execute(update(WebhookSubscription).values(
            deleted_at=None if on else m.ctx.clock.now()))
        uow.commit()


def analyze(m: Motcua) -> None:
    """ANALYZE on PostgreSQL, as a production server's autovacuum does while the tables grow:
    the machine's server runs with autovacuum off, and a prepared statement's generic plan
    made while `tasks` was nearly empty (a sequential scan for `id = ANY(...)`) would stay
    until something invalidates it; every block would then pay for all the tasks before it
    (2.5 ms to 6.7 ms per completion over 1 000 dossiers), and the blocks with
    subscriptions, run second in each round, for more of them."""
    if m.ctx.db_engine.dialect.name == "postgresql":
        with m.ctx.db_engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def completion_cost(url: str, rounds: int, block: int, redis_url: str) -> None:
    from engine.jobs.broker import install, make_broker

    m = Motcua(url, relay=True)
    if redis_url:
        install(m.ctx, make_broker(redis_url))
    subscribe(m, "http://127.0.0.1:9/hook", 3)
    m.run(5)  # warm up: caches, prepared statements
    analyze(m)
    without: list[float] = []
    with_: list[float] = []
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for r in range(rounds):
        # Without then with in even rounds, the other way in odd ones: what drifts with
        # time or with the tables' growth falls on both sides alike.
        order = ((False, without), (True, with_))
        for on, out in order if r % 2 == 0 else order[::-1]:
            switch(m, on)
            analyze(m)
            time.sleep(0.2)  # the hand-off thread is idle again
            c0 = time.process_time()  # every thread of the process: the hand-off's too
            out.append(statistics.fmean(m.run(block)["complete"]))
            time.sleep(0.2)  # what was handed off is sent
            cpu[on].append(time.process_time() - c0)
    with m.ctx.uow(readonly=True) as uow:
        from sqlalchemy import func, select

        from engine.store.models_webhooks import WebhookDelivery

        made = uow.session.scalar(select(func.count()).select_from(WebhookDelivery))
    per = (made or 0) / (rounds * block * 6)  # 1 intake + 5 completions per dossier
    w, s = statistics.median(without), statistics.median(with_)
    ratios = sorted(b / a - 1 for a, b in zip(without, with_))
    print(f"(a) {url.split(':')[0]}: {rounds} rounds of {block} dossiers x 5 completions, "
          f"{'Redis ' + redis_url if redis_url else 'no broker'}")
    print(f"    completion without subscriptions: median of block means {w * 1000:.2f} ms "
          f"({1 / w:.0f}/s)")
    print(f"    with 3 matching subscriptions:    median of block means {s * 1000:.2f} ms "
          f"({1 / s:.0f}/s), {per:.1f} deliveries per command")
    print(f"    added cost per completion: median {statistics.median(ratios) * 100:+.1f}% "
          f"(rounds: {', '.join(f'{r * 100:+.1f}%' for r in ratios)})")
    cpu_ratios = sorted(b / a - 1 for a, b in zip(cpu[False], cpu[True]))
    print(f"    added process CPU per block (intake + completions + hand-off): median "
          f"{statistics.median(cpu_ratios) * 100:+.1f}% "
          f"(rounds: {', '.join(f'{r * 100:+.1f}%' for r in cpu_ratios)})")
    m.close()


class Sink:
    """A receiver answering 204 at once, noting when each request came."""

    def __init__(self) -> None:
        self.times: list[float] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length", "0")))
                sink.times.append(time.monotonic())
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def delivery_rate(deliveries: int, redis_url: str) -> None:
    from sqlalchemy import func, select

    from engine.store.models_webhooks import WebhookDelivery

    fresh_pg(PG_DB)
    sink = Sink()
    m = Motcua(PG_URL)  # no send_job: the deliveries stay pending
    subscribe(m, sink.url, 3, mask=1 << 1)  # task.created: one per dossier and subscription
    for _ in range(deliveries // 3):
        m.start()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MOTCUA_DATABASE_URL=PG_URL,
               MOTCUA_REDIS_URL=redis_url, MOTCUA_WEBHOOK_ALLOW_HTTP="1",
               MOTCUA_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8", MOTCUA_OUTBOX_SWEEP_SECONDS="1")
    log = open("/tmp/motcua_bench_webhooks_worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--processes", "2",
                               "--threads", "4"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    total = (deliveries // 3) * 3
    try:
        deadline = time.monotonic() + 600
        while len(sink.times) < total and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
        log.close()
    with m.ctx.uow(readonly=True) as uow:
        done = uow.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.status == "delivered"))
    span = sink.times[-1] - sink.times[0] if len(sink.times) > 1 else float("nan")
    print(f"(b) PostgreSQL + Redis, motcua worker --processes 2 --threads 4: {total} "
          f"deliveries, {done} delivered, {len(sink.times)} requests received")
    print(f"    {len(sink.times) / span:.0f} deliveries/s (first to last request: "
          f"{span:.1f} s)")
    m.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--deliveries", type=int, default=600)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"],
                    choices=["postgresql", "sqlite"])
    args = ap.parse_args()
    import tempfile

    for backend in args.backends:
        if backend == "postgresql":
            fresh_pg(PG_DB)
            completion_cost(PG_URL, args.rounds, args.block, args.redis)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                completion_cost(f"sqlite:///{tmp}/bench.sqlite3", args.rounds, args.block, "")
    if args.deliveries:
        delivery_rate(args.deliveries, args.redis)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
