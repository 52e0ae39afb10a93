"""Memory of a gunicorn worker before and after refused large bodies.

Prints figures; asserts nothing. Not part of the test run.

Run:  MOTCUA_TEST_POSTGRES_URL=… MOTCUA_TEST_REDIS_URL=… \
      .venv/bin/python bench/bench_body_rss.py [--port 18250] [--mb 60] [--src DIR]

Starts `motcua serve --workers 1` (one worker, so every request lands on it) on the given
database and Redis, then sends a JSON intake of `--mb` megabytes three ways: with its
Content-Length, chunked (no Content-Length), and as a multipart upload. After each it
prints the worker's resident memory (VmRSS) and its peak (VmHWM). `--src` runs another
snapshot of the code (e.g. `git archive` of an earlier commit) with this venv, to compare.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_stats import children, memory  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def _body(mb: int) -> bytes:
    pad = b"x" * (mb * 1_000_000)
    return b'{"process_key": "p", "applicant": {"name": "A"}, "data": {"pad": "' + pad + b'"}}'


def _send(port: int, path: str, body: bytes, content_type: str, chunked: bool) -> str:
    """POST `body` and return the status line and the start of the answer. A server that
    answers before reading the whole body may close the connection while it is still being
    sent: what it answered is read all the same."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % len(body)
    head = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n%s\r\n\r\n"
            % (path.encode(), content_type.encode(), framing))
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        try:
            sock.sendall(head)
            for i in range(0, len(body), 1 << 20):
                part = body[i:i + (1 << 20)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            sent = "whole body sent"
        except OSError as exc:
            sent = f"cut off while sending ({exc.__class__.__name__})"
        try:
            answer = sock.recv(65536)
        except OSError:
            answer = b""
    status = answer.split(b"\r\n", 1)[0].decode() or "no answer"
    detail = answer.split(b"\r\n\r\n", 1)[-1][:150].decode("utf-8", "replace")
    return f"{status} ({sent}) {detail}"


def _worker_memory(pid: int) -> str:
    m = memory(pid)
    return f"VmRSS {m.get('VmRSS', 0) / 1024:.0f} MB, VmHWM {m.get('VmHWM', 0) / 1024:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18250)
    parser.add_argument("--mb", type=int, default=60)
    parser.add_argument("--src", default=str(ROOT))
    args = parser.parse_args()
    env = dict(os.environ, MOTCUA_DATABASE_URL=os.environ["MOTCUA_TEST_POSTGRES_URL"],
               MOTCUA_REDIS_URL=os.environ["MOTCUA_TEST_REDIS_URL"], PYTHONPATH=args.src)
    subprocess.run([PYTHON, "-m", "api.cli", "migrate"], env=env, cwd=args.src, check=True,
                   capture_output=True)
    server = subprocess.Popen([PYTHON, "-m", "api.cli", "serve", "--workers", "1", "--port",
                               str(args.port)], env=env, cwd=args.src,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        time.sleep(1)
        [worker] = children(server.pid)
        print(f"code: {args.src}")
        for _ in range(3):  # the first requests load what any request needs
            _send(args.port, "/api/v1/dossiers", _body(0), "application/json", False)
        print(f"idle worker: {_worker_memory(worker)}")
        body = _body(args.mb)
        for label, path, ctype, chunked in (
                ("JSON with Content-Length", "/api/v1/dossiers", "application/json", False),
                ("JSON chunked", "/api/v1/dossiers", "application/json", True),
                ("multipart upload", "/api/v1/process-definitions/validate",
                 "multipart/form-data; boundary=bb", False)):
            started = time.monotonic()
            answer = _send(args.port, path, body, ctype, chunked)
            took = time.monotonic() - started
            time.sleep(0.5)
            print(f"{args.mb} MB {label}: {answer} in {took:.1f} s; worker "
                  f"{_worker_memory(worker)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
