"""HTTP benchmark: gunicorn + PostgreSQL, dossiers driven through intake and 5 user tasks.

Prints figures; asserts nothing. Not part of the test run.

Run:  .venv/bin/python bench/bench_http.py [--dossiers 200] [--workers 2 4] [--clients 1 4]

For each gunicorn worker count it drops and recreates the PostgreSQL database
`motcua_bench`, runs `motcua migrate`, creates designer/client/officer principals with the
CLI, starts `motcua serve --workers W`, deploys bench/five_steps.bpmn over HTTP, then drives
N dossiers with 1 and then 4 concurrent clients. Clients are separate OS processes (not
threads), each with its own http.client connection, so the GIL of one Python client does
not cap the load; on a 2-core machine they still share the CPUs with the server.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from five_steps import FORM_DATA, PROCESS_KEY, UNIT  # noqa: E402
from proc_stats import children, cpu_snapshot, memory  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SRC = ROOT  # --src: the product code to benchmark (e.g. a `git archive HEAD` snapshot)
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
# Another database or Redis db (e.g. beside other work on the same servers):
# MOTCUA_BENCH_DB=motcua_bench2 MOTCUA_BENCH_REDIS=redis://127.0.0.1:6379/15
DB_NAME = os.environ.get("MOTCUA_BENCH_DB", "motcua_bench")
REDIS = os.environ.get("MOTCUA_BENCH_REDIS", "redis://127.0.0.1:6379/0")
PROVINCE = "BENCH"
REQUEST_TIMEOUT = 60.0
SERVER_START_TIMEOUT = 60.0


# -- setup -------------------------------------------------------------------------------
def env() -> dict[str, str]:
    e = dict(os.environ)
    e["MOTCUA_DATABASE_URL"] = PG + DB_NAME
    e["MOTCUA_REDIS_URL"] = REDIS
    e["PYTHONPATH"] = str(SRC)
    return e


def motcua(*args: str) -> list[str]:
    return [PYTHON, "-m", "api.cli", *args]


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-At",
                          "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True, timeout=120)
    return out.stdout.strip()


def fresh_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(motcua("migrate"), env=env(), check=True, capture_output=True,
                   cwd=SRC, timeout=120)


def principal(name: str, role: str, unit: str | None = None,
              position: str | None = None) -> str:
    cmd = motcua("principal", "create", "--name", name, "--role", role,
                 "--province", PROVINCE)
    if unit:
        cmd += ["--unit", unit]
    if position:
        cmd += ["--position", position]
    out = subprocess.run(cmd, env=env(), check=True, capture_output=True, text=True,
                         cwd=SRC, timeout=120)
    return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workers: int, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(motcua("serve", "--workers", str(workers), "--port", str(port)),
                            env=env(), cwd=SRC, stdout=subprocess.DEVNULL,
                            stderr=open(f"/tmp/motcua_bench_gunicorn_{port}.log", "wb"),
                            start_new_session=True)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; "
                               f"see /tmp/motcua_bench_gunicorn_{port}.log")
        if len(children(proc.pid)) >= workers:
            try:
                status, _ = request(port, "GET", "/api/v1/openapi.json", None, None)
                if status == 200:
                    # every worker must have imported the app: poke a few more times
                    for _i in range(workers * 4):
                        request(port, "GET", "/api/v1/openapi.json", None, None)
                    return proc
            except OSError:
                pass
        time.sleep(0.2)
    raise RuntimeError("server did not start in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)  # gunicorn master: graceful stop of its workers
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# -- HTTP --------------------------------------------------------------------------------
def request(port: int, method: str, path: str, token: str | None, body: Any,
            conn: http.client.HTTPConnection | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    data: bytes | None = None
    if body is not None and not isinstance(body, bytes):
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    elif isinstance(body, bytes):
        data = body
    try:
        c.request(method, path, body=data, headers=h)
        resp = c.getresponse()
        raw = resp.read()
    except (http.client.HTTPException, OSError):
        # gunicorn's sync workers close the connection after each response; a stale socket
        # is reopened once.
        c.close()
        c.request(method, path, body=data, headers=h)
        resp = c.getresponse()
        raw = resp.read()
    if own:
        c.close()
    ctype = resp.getheader("Content-Type", "")
    return resp.status, (json.loads(raw) if "json" in ctype and raw else raw)


def deploy(port: int, token: str) -> None:
    boundary = "----motcuabench" + uuid.uuid4().hex
    parts = [("bpmn", "five_steps.bpmn", (BENCH / "five_steps.bpmn").read_bytes())]
    for f in sorted((BENCH / "forms").glob("*.json")):
        parts.append(("forms", f.name, f.read_bytes()))
    body = b""
    for field, filename, content in parts:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                 ).encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    status, out = request(port, "POST", "/api/v1/process-definitions", token, body,
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    if status not in (200, 201):
        raise RuntimeError(f"deploy failed: {status} {out!r}")


def drive(args: tuple[int, str, str, int, int]) -> dict[str, Any]:
    """One client process: `count` dossiers, each intake + 5 completions, one at a time."""
    port, client_token, officer_token, count, seed = args
    cpu0 = time.process_time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    intake: list[float] = []
    complete: list[float] = []
    errors: list[str] = []
    finished = 0
    for i in range(count):
        body = {"process_key": PROCESS_KEY, "channel": "online", "unit": UNIT,
                "applicant": {"type": "citizen", "name": f"Người nộp {seed}-{i}"},
                "data": {"household_name": f"Hộ kinh doanh {seed}-{i}",
                         "capital_vnd": 150_000_000}}
        t0 = time.perf_counter()
        status, out = request(port, "POST", "/api/v1/dossiers", client_token, body, conn,
                              headers={"Idempotency-Key": f"bench-{seed}-{i}"})
        intake.append(time.perf_counter() - t0)
        if status not in (200, 201):
            errors.append(f"intake {status}: {str(out)[:200]}")
            continue
        for step in range(len(FORM_DATA)):  # bounded: 5 tasks
            steps = out.get("current_steps") or []
            if not steps:
                errors.append(f"no open step after {step} completions")
                break
            task_id = steps[0]["task_id"]
            t0 = time.perf_counter()
            status, out = request(port, "POST", f"/api/v1/tasks/{task_id}/complete",
                                  officer_token, {"data": FORM_DATA[step]}, conn)
            complete.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"complete {status}: {str(out)[:200]}")
                break
        else:
            if out.get("status") == "finished":
                finished += 1
            else:
                errors.append(f"dossier not finished: {out.get('status')}")
    conn.close()
    return {"intake": intake, "complete": complete, "errors": errors, "finished": finished,
            "cpu": time.process_time() - cpu0}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k] * 1000


def run_load(port: int, client_token: str, officer_token: str, dossiers: int,
             clients: int, seed: int, server_pid: int | None = None) -> dict[str, Any]:
    share = [dossiers // clients + (1 if i < dossiers % clients else 0) for i in range(clients)]
    jobs = [(port, client_token, officer_token, n, seed * 100 + i) for i, n in enumerate(share)]
    ctx = mp.get_context("fork")
    with ctx.Pool(clients) as pool:
        before = cpu_snapshot(server_pid) if server_pid else {}
        t0 = time.perf_counter()
        results = pool.map_async(drive, jobs).get(timeout=3600)
        wall = time.perf_counter() - t0
        after = cpu_snapshot(server_pid) if server_pid else {}
    intake = [x for r in results for x in r["intake"]]
    complete = [x for r in results for x in r["complete"]]
    errors = [e for r in results for e in r["errors"]]
    finished = sum(r["finished"] for r in results)
    requests = len(intake) + len(complete)
    cpu = {k: (after[k] - before[k]) / max(1, requests) * 1000 for k in before}
    cpu["clients"] = sum(r["cpu"] for r in results) / max(1, requests) * 1000
    return {"clients": clients, "wall": wall, "dossiers": finished, "cpu_ms": cpu,
            "dossiers_s": finished / wall, "completions_s": len(complete) / wall,
            "requests_s": (len(intake) + len(complete)) / wall,
            "intake_p50": pct(intake, 50), "intake_p95": pct(intake, 95),
            "complete_p50": pct(complete, 50), "complete_p95": pct(complete, 95),
            "errors": errors}


def stored_bytes() -> dict[str, float]:
    sql = """
    SELECT count(*),
           avg(pg_column_size(d.*)), avg(pg_column_size(d.state)),
           avg(coalesce(h.bytes, 0)), avg(coalesce(h.n, 0)),
           avg(coalesce(t.bytes, 0)), avg(coalesce(t.n, 0)),
           avg(pg_column_size(d.*) + coalesce(h.bytes, 0) + coalesce(t.bytes, 0)),
           avg(octet_length(d.state::text))
    FROM dossiers d
    LEFT JOIN (SELECT dossier_id, sum(pg_column_size(x.*)) bytes, count(*) n
               FROM history_events x GROUP BY dossier_id) h ON h.dossier_id = d.id
    LEFT JOIN (SELECT dossier_id, sum(pg_column_size(x.*)) bytes, count(*) n
               FROM tasks x GROUP BY dossier_id) t ON t.dossier_id = d.id
    WHERE d.status = 'finished'"""
    row = psql(sql, DB_NAME).split("|")
    names = ["count", "dossier_row", "state_column", "history_bytes", "history_rows",
             "task_bytes", "task_rows", "total", "state_json_text"]
    out = {n: float(v) if v else 0.0 for n, v in zip(names, row)}
    tables = psql("SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY["
                  "'dossiers','history_events','tasks']::regclass[]) c", DB_NAME)
    out["on_disk_total"] = float(tables or 0)
    return out


def vacuum_if_no_autovacuum() -> None:
    """Where the server runs no autovacuum (as on this project's machines), do its work
    between runs, so that each run starts from the state a maintained database would be in
    instead of wading through the dead rows of the runs before it."""
    if psql("SHOW autovacuum") == "on":
        return
    t0 = time.perf_counter()
    psql("VACUUM (ANALYZE)", DB_NAME)
    print(f"    (autovacuum is off on this server: VACUUM (ANALYZE) before the run took "
          f"{time.perf_counter() - t0:.2f} s)", flush=True)


def report(r: dict[str, Any]) -> None:
    print(f"clients={r['clients']}: {r['dossiers']} dossiers in {r['wall']:.2f} s | "
          f"{r['dossiers_s']:.1f} dossiers/s | {r['completions_s']:.1f} task "
          f"completions/s | {r['requests_s']:.1f} requests/s", flush=True)
    print(f"    intake p50 {r['intake_p50']:.1f} ms p95 {r['intake_p95']:.1f} ms | "
          f"completion p50 {r['complete_p50']:.1f} ms p95 {r['complete_p95']:.1f} ms",
          flush=True)
    cpu = r["cpu_ms"]
    if "gunicorn" in cpu:
        print(f"    CPU per request: gunicorn workers {cpu['gunicorn']:.2f} ms, PostgreSQL "
              f"{cpu['postgres']:.2f} ms (2 cores / their sum = "
              f"{2000 / (cpu['gunicorn'] + cpu['postgres']):.0f} requests/s at most); "
              f"the benchmark's own clients {cpu['clients']:.2f} ms", flush=True)
    if r["errors"]:
        print(f"    {len(r['errors'])} errors, first: {r['errors'][0]}", flush=True)


def bench_workers(workers: int, dossiers: int, client_counts: list[int],
                  repeat: int = 1) -> None:
    print(f"\n=== gunicorn --workers {workers}: fresh database {DB_NAME} ===", flush=True)
    fresh_database()
    subprocess.run(motcua("org", "unit", UNIT, "--province", PROVINCE, "--name", "Bench unit",
                          "--kind", "department"), env=env(), check=True, capture_output=True,
                   cwd=SRC, timeout=120)
    designer = principal("Bench designer", "designer")
    client = principal("Bench portal", "client", unit=UNIT)
    officer = principal("Bench officer", "officer", unit=UNIT, position="officer")
    port = free_port()
    server = start_server(workers, port)
    try:
        deploy(port, designer)
        # warm-up: every worker compiles and caches the spec on its first request
        run_load(port, client, officer, workers * 4, workers, seed=9)
        for i, c in enumerate(client_counts):
            rates = []
            for rep in range(repeat):
                vacuum_if_no_autovacuum()
                r = run_load(port, client, officer, dossiers, c, seed=(i + 1) * 100 + rep,
                             server_pid=server.pid)
                rates.append(r["completions_s"])
                report(r)
            if repeat > 1:
                rates.sort()
                print(f"  clients={c}, {repeat} runs: task completions/s min {rates[0]:.1f}, "
                      f"median {rates[len(rates) // 2]:.1f}, max {rates[-1]:.1f}", flush=True)
        s = stored_bytes()
        print(f"stored per finished dossier (avg of {int(s['count'])}): "
              f"{s['total']:.0f} B = dossiers row {s['dossier_row']:.0f} B (state column "
              f"{s['state_column']:.0f} B stored, {s['state_json_text']:.0f} B as JSON text) + "
              f"{s['history_rows']:.0f} history_events {s['history_bytes']:.0f} B + "
              f"{s['task_rows']:.0f} tasks {s['task_bytes']:.0f} B; "
              f"on disk incl. indexes/TOAST/free space: "
              f"{s['on_disk_total'] / max(1, s['count']):.0f} B per dossier", flush=True)
        master = memory(server.pid)
        print(f"gunicorn master pid {server.pid}: VmHWM {master.get('VmHWM', 0) / 1024:.1f} "
              f"MiB", flush=True)
        for pid in children(server.pid):
            m = memory(pid)
            print(f"  worker pid {pid}: peak RSS (VmHWM) {m.get('VmHWM', 0) / 1024:.1f} MiB, "
                  f"current RSS {m.get('VmRSS', 0) / 1024:.1f} MiB", flush=True)
    finally:
        stop_server(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per client count (the machine is shared: figures vary)")
    parser.add_argument("--src", type=Path, default=ROOT,
                        help="directory of the product code to run (default: this checkout)")
    args = parser.parse_args()
    global SRC
    SRC = args.src.resolve()
    print(f"product code from {SRC}", flush=True)
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}, "
          f"{psql('SHOW server_version')} PostgreSQL", flush=True)
    for w in args.workers:
        bench_workers(w, args.dossiers, args.clients, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
