"""The production shape's real processes, for tests that start them: `motcua serve --workers N`
(gunicorn), `motcua worker` (dramatiq) and, for tests that stop Redis, a redis-server of
their own (never the shared one).

Each process runs in a process group of its own: a test can SIGKILL it whole, as a crash
would, and `stop` leaves no child behind (gunicorn's and dramatiq's workers are children).
Every wait is bounded. Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

BOOT_BOUND = 90.0  # seconds: an upper bound on a process coming up, not a measurement
_given: set[int] = set()


def free_port() -> int:
    """A port nothing listens on: from MOTCUA_TEST_PORTS (e.g. "18500-18599") when set, so
    that test runs sharing a machine keep to their own range; else one the kernel picks."""
    span = os.environ.get("MOTCUA_TEST_PORTS", "")
    candidates = range(int(span.split("-")[0]), int(span.split("-")[1]) + 1) if span else [0]
    for port in candidates:
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen = int(s.getsockname()[1])
        _given.add(chosen)
        return chosen
    raise RuntimeError(f"no free port in MOTCUA_TEST_PORTS={span}")


def get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_for(condition: Callable[[], Any], bound: float, what: str, pause: float = 0.2) -> Any:
    """Poll `condition` until it returns something true; fail naming `what` after `bound` s."""
    deadline = time.monotonic() + bound
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: still not so after {bound} s"
        time.sleep(pause)


def service_env(database: str, redis: str, **settings: str) -> dict[str, str]:
    """The environment of a motcua process: MOTCUA_<NAME> for each setting given."""
    env = dict(os.environ, MOTCUA_DATABASE_URL=database, MOTCUA_REDIS_URL=redis,
               PYTHONPATH=str(ROOT))
    env.update({f"MOTCUA_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Process:
    """A started process and its group; its output (stdout and stderr) goes to `log`."""

    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM to the group, then SIGKILL to whatever is left of it."""
        if self.alive():
            self.kill_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group(signal.SIGKILL)  # children outliving their parent too
        self.popen.wait(timeout=grace)


def start(args: list[str], env: dict[str, str], log: Path) -> Process:
    with log.open("ab") as out:
        popen = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    return Process(popen, log)


def start_server(env: dict[str, str], log: Path, workers: int = 2) -> tuple[Process, int]:
    """`motcua serve --workers N` on a free port, once /health answers and N workers run."""
    port = free_port()
    server = start(["-m", "api.cli", "serve", "--workers", str(workers), "--port", str(port)],
                   env, log)
    try:
        def up() -> bool:
            assert server.alive(), f"gunicorn exited:\n{server.output()}"
            try:
                return get(port, "/health")[0] == 200 and len(children(server.pid)) == workers
            except OSError:
                return False

        wait_for(up, BOOT_BOUND, "gunicorn answering with its workers")
    except BaseException:
        server.stop()
        raise
    return server, port


WORKER_READY = "Worker process is ready for action."


def start_worker(env: dict[str, str], log: Path, processes: int = 1, threads: int = 2,
                 wait: bool = True) -> Process:
    """`motcua worker`, once each of its processes said it is ready (unless not `wait`)."""
    worker = start(["-m", "api.cli", "worker", "--processes", str(processes),
                    "--threads", str(threads)], env, log)
    if wait:
        await_ready(worker, processes)
    return worker


def await_ready(worker: Process, processes: int = 1) -> None:
    """Wait until each of the worker's processes said it is ready; stop it if it never is."""
    try:
        def ready() -> bool:
            assert worker.alive(), f"the worker exited:\n{worker.output()}"
            return worker.output().count(WORKER_READY) >= processes

        wait_for(ready, BOOT_BOUND, "dramatiq worker ready")
    except BaseException:
        worker.stop()
        raise


class OwnRedis:
    """A redis-server on a port of its own, without persistence, that a test may stop
    (`shutdown nosave`: what it held is gone) and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._popen: subprocess.Popen[bytes] | None = None

    def _ping(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              timeout=10).stdout.strip() == b"PONG"

    def start(self) -> None:
        with (self._dir / "redis.log").open("ab") as out:
            self._popen = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self._dir)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._ping, 30, f"redis-server on {self.port} answering")

    def shutdown(self) -> None:
        if self._popen is None:
            return
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                       capture_output=True, timeout=10)
        try:
            self._popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait(timeout=10)
        self._popen = None


@dataclass
class Traffic:
    """Every answer the clients got, shared by client threads."""

    answers: list[tuple[str, str, int]] = field(default_factory=list)
    dropped: int = 0  # requests sent again because their connection broke
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.answers.append((method, path, status))

    def note_dropped(self) -> None:
        with self._lock:
            self.dropped += 1

    def server_errors(self, allowed: frozenset[int] = frozenset()) -> list[tuple[str, str, int]]:
        return [a for a in self.answers if a[2] >= 500 and a[2] not in allowed]


_DROPPED = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
            http.client.IncompleteRead, TimeoutError)


class Client:
    """One keep-alive connection, as a portal or a browser holds. A request whose connection
    breaks before the answer is sent again on a new connection (a client that never saw the
    answer cannot know whether it was applied): `retried` tells the caller it happened."""

    def __init__(self, port: int, token: str, traffic: Traffic, attempts: int = 10) -> None:
        self._port = port
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._traffic = traffic
        self._attempts = attempts
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any, bool]:
        """(status, JSON body, retried)."""
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(self._attempts):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=60)
            try:
                self._conn.request(method, path, payload, {**self._headers, **(headers or {})})
                response = self._conn.getresponse()
                raw = response.read()
            except _DROPPED:
                self.close()
                self._traffic.note_dropped()
                time.sleep(0.1 * (attempt + 1))
                continue
            self._traffic.note(method, path, response.status)
            return response.status, json.loads(raw or b"null"), attempt > 0
        raise AssertionError(f"{method} {path}: no answer in {self._attempts} attempts")

    def complete(self, task_id: str) -> tuple[int, Any, bool]:
        """Complete a task, with an Idempotency-Key that a retry sends again."""
        return self.request("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {}},
                            {"Idempotency-Key": str(uuid.uuid4())})
