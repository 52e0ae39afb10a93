"""The metrics directories of a deployment: each serving parent starts with a fresh one of
its own, never touching another's still running, and removes those of parents gone."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine.metrics.files import base_dir, metric_files, start_family


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_parent_starts_fresh_and_leaves_the_running_ones_alone(tmp_path: Path) -> None:
    base = tmp_path / "metrics"
    running = base / f"worker-{os.getppid()}"  # a live parent: pytest's own
    gone = base / f"serve-{_gone_pid()}"
    left = base / f"serve-{os.getpid()}"  # this very pid, used by an earlier process
    other = base / "notes"
    for d in (running, gone, left, other):
        d.mkdir(parents=True)
        (d / "counter_1.db").write_bytes(b"")
    own = start_family(base, "serve")
    assert own == left and own.is_dir() and list(own.iterdir()) == []
    assert running.is_dir() and (running / "counter_1.db").exists()
    assert not gone.exists()
    assert other.is_dir()  # not a family directory: not ours to remove
    assert metric_files(base, str(own)) == [str(running / "counter_1.db")]


def test_the_default_directory_is_one_per_database(tmp_path: Path) -> None:
    one = base_dir("", "postgresql+psycopg://db1/motcua")
    assert one == base_dir("", "postgresql+psycopg://db1/motcua")
    assert one != base_dir("", "postgresql+psycopg://db2/motcua")
    assert base_dir(str(tmp_path), "x") == tmp_path
