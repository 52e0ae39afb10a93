"""The production shape boots: `motcua serve --workers 2` runs gunicorn with two worker
processes on PostgreSQL and Redis, and both answer."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PG_URL, REDIS_URL, require

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_serve_with_workers_runs_gunicorn_processes() -> None:
    database = require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
    redis = require(REDIS_URL, "MOTCUA_TEST_REDIS_URL")
    env = dict(os.environ, MOTCUA_DATABASE_URL=database, MOTCUA_REDIS_URL=redis,
               PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env, check=True,
                   cwd=ROOT, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(port, "/health")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout \
                    else "server exited"
                assert time.monotonic() < deadline, "gunicorn did not start in 60 s"
                time.sleep(0.2)
        assert (status, body) == (200, {"status": "ok"})
        workers = _children(server.pid)
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(server.pid)
        assert len(workers) == 2
        # a request without a token is refused by the API itself, in either worker
        assert {_get(port, "/api/v1/tasks")[0] for _ in range(4)} == {401}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
