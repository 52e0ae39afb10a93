"""Webhooks: what matching subscriptions add to a task completion, and how many deliveries
per second two worker processes send to a local receiver.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_webhooks.py [--rounds 5 --block 20] [--deliveries 600]
          [--redis redis://127.0.0.1:6379/14] [--backends postgresql sqlite]

(a) In process (as bench_inprocess.py: start_dossier + 5 complete_task of five_steps.bpmn),
    on one database, dossier after dossier in turn: started by a portal that 3
    subscriptions to every event follow, or by another portal of the province that none
    follows (the next round begins with the other). Both run the same statements, the
    matching of the command's events against the province's subscriptions included; a
    followed dossier's commands also write their deliveries and, after commit, hand their
    ids to the process's hand-off thread, which enqueues them on Redis (`--redis`; without
    it a no-op `send_job`). Taking the two in turn puts them in the same moments of the
    machine (a disk flush, a busy neighbour, the tables' growth), which blocks of each
    did not. Cost = mean completion time followed / not followed - 1, over every
    completion; also per round (a block of dossiers), and this thread's CPU time per
    dossier. On PostgreSQL, `ANALYZE` before each round (untimed), as autovacuum would on a
    production server (see `analyze`).
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


def quiet_client(m: Motcua) -> Any:
    """A second portal of the province, which no subscription follows."""
    from five_steps import UNIT

    from engine.services.org.auth import create_principal

    return create_principal(m.ctx, name="Bench portal 2", role="client", province="BENCH",
                            unit=UNIT, position=None)[0]


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
    followed, quiet = m.client, quiet_client(m)
    subscribe(m, "http://127.0.0.1:9/hook", 3)  # the followed portal's dossiers only
    m.run(5)  # warm up: caches, prepared statements
    times: dict[bool, list[float]] = {False: [], True: []}  # per completion
    cpu: dict[bool, list[float]] = {False: [], True: []}  # per dossier (intake + 5)
    ratios: list[float] = []
    for r in range(rounds):
        analyze(m)
        time.sleep(0.1)  # the hand-off thread is idle again
        here: dict[bool, list[float]] = {False: [], True: []}
        for i in range(block):
            on = (i + r) % 2 == 0  # dossier after dossier, followed or not, in turn
            m.client = followed if on else quiet
            c0 = time.thread_time()
            done = m.run(1)["complete"]
            cpu[on].append(time.thread_time() - c0)
            here[on] += done
            times[on] += done
        ratios.append(statistics.fmean(here[True]) / statistics.fmean(here[False]) - 1)
    m.client = followed
    with m.ctx.uow(readonly=True) as uow:
        from sqlalchemy import func, select

        from engine.store.models_webhooks import WebhookDelivery

        made = uow.session.scalar(select(func.count()).select_from(WebhookDelivery))
    per = (made or 0) / (len(cpu[True]) * 6)  # 1 intake + 5 completions per dossier
    w, s = statistics.fmean(times[False]), statistics.fmean(times[True])
    quart = statistics.quantiles(ratios, n=4)
    print(f"(a) {url.split(':')[0]}: {rounds} rounds of {block} dossiers x 5 completions, "
          f"{'Redis ' + redis_url if redis_url else 'no broker'}; followed and not in turn")
    print(f"    completion, dossier not followed: mean {w * 1000:.3f} ms ({1 / w:.0f}/s)")
    print(f"    followed by 3 subscriptions:      mean {s * 1000:.3f} ms ({1 / s:.0f}/s), "
          f"{per:.1f} deliveries per command")
    print(f"    added cost per completion: {(s / w - 1) * 100:+.1f}% of the means; per round "
          f"median {statistics.median(ratios) * 100:+.1f}% (quartiles {quart[0] * 100:+.1f}% "
          f"{quart[2] * 100:+.1f}%)")
    c_w, c_s = statistics.fmean(cpu[False]), statistics.fmean(cpu[True])
    print(f"    added CPU of this thread per dossier (intake + 5 completions): "
          f"{(c_s / c_w - 1) * 100:+.1f}% ({c_w * 1000:.3f} -> {c_s * 1000:.3f} ms)")
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
