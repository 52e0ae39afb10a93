"""A PostgreSQL server of a benchmark's own, configured as docs/production.md advises for a
dedicated database machine: the machine's server keeps PostgreSQL's out-of-the-box memory
settings (128 MB of shared buffers), which no production server runs with.

The server runs from the machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/N/bin),
its data in a directory of its own, on 127.0.0.1 at a port of its own, trusting local
connections; as root, its commands run as the `postgres` user (initdb refuses root).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN_ROOT = Path("/usr/lib/postgresql")


def tuned_settings(memory_bytes: int | None = None) -> dict[str, str]:
    """docs/production.md's settings for a machine of `memory_bytes` (this one's by default):
    a quarter of the memory as shared buffers, three quarters as the planner's view of the
    cache."""
    if memory_bytes is None:
        memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mib = memory_bytes // 2**20
    return {"shared_buffers": f"{mib // 4}MB", "effective_cache_size": f"{mib * 3 // 4}MB",
            "work_mem": "16MB", "maintenance_work_mem": "512MB", "random_page_cost": "1.1",
            "max_connections": "200"}


def _bin(name: str) -> str:
    versions = sorted((p for p in BIN_ROOT.iterdir() if (p / "bin" / name).exists()),
                      key=lambda p: int(p.name) if p.name.isdigit() else 0)
    if not versions:
        raise SystemExit(f"no PostgreSQL {name} under {BIN_ROOT}")
    return str(versions[-1] / "bin" / name)


def _run(args: list[str]) -> None:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, timeout=600, stdout=subprocess.DEVNULL)


@contextmanager
def private_server(data_dir: Path, port: int, settings: dict[str, str], *,
                   keep: bool = False) -> Iterator[str]:
    """A server on 127.0.0.1:`port` with `settings`, its data in `data_dir` (made by initdb
    unless an earlier run kept it); yields the base URL (no database). Stopped at the end,
    and its data removed unless `keep`."""
    fresh = not (data_dir / "PG_VERSION").exists()
    if fresh:
        data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data_dir, "postgres", "postgres")
        _run([_bin("initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust",
              "--encoding=UTF8", "--locale=C.UTF-8"])
    options = " ".join([f"-p {port}", "-c listen_addresses=127.0.0.1",
                        f"-c unix_socket_directories={data_dir}",
                        *(f"-c {k}={v}" for k, v in settings.items())])
    _run([_bin("pg_ctl"), "-D", str(data_dir), "-o", options, "-l",
          str(data_dir / "server.log"), "-w", "start"])
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline:  # bounded: 60 s
                raise SystemExit(f"the private server on port {port} did not start")
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/"
    finally:
        _run([_bin("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"])
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
