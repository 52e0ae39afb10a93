"""What the HTTP benchmark reads of running processes from /proc: children, peak memory,
CPU seconds (gunicorn workers and PostgreSQL)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                         text=True, timeout=10)
    return [int(x) for x in out.stdout.split()]


def memory(pid: int) -> dict[str, int]:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                found[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (gone ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True,
                         timeout=10)
    return [int(x) for x in out.stdout.split()]


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    return {"gunicorn": cpu_seconds(children(server_pid)),
            "postgres": cpu_seconds(postgres_pids())}
