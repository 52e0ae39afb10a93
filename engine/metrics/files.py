"""Where the processes of one deployment keep their metrics for the scrape to sum.

prometheus_client's multiprocess mode writes each process's values to memory-mapped files
in `PROMETHEUS_MULTIPROC_DIR`. Each serving parent (`motcua serve --workers N`, the
gunicorn master; `motcua worker`, dramatiq's main process) takes a directory of its own,
`<base>/<kind>-<pid>`, fresh at start, and its children inherit it: a parent starting
never wipes the files of another one still running (an API restart keeps the workers'
counts), and directories of parents that are gone are removed then. A scrape sums the files
of every directory under the base, so the API's answer includes the workers running on the
same machine with the same base.
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable, read at its import
KINDS = ("serve", "worker")


def base_dir(metrics_dir: str, database_url: str) -> Path:
    """The deployment's directory: `metrics_dir`, else one named after the database (the
    processes sharing a database are one deployment) in memory (/dev/shm) or, without it,
    in the temporary directory.

    In memory, because every count is a write to a memory-mapped page: on a disk file
    system a write to a page being written back waits for the disk (ext4's stable pages),
    which cost the HTTP benchmark about a sixth of its completions per second."""
    if metrics_dir:
        return Path(metrics_dir)
    digest = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:12]
    memory = Path("/dev/shm")
    parent = memory if memory.is_dir() and os.access(memory, os.W_OK) else \
        Path(tempfile.gettempdir())
    return parent / f"motcua-metrics-{digest}"


def start_family(base: Path, kind: str) -> Path:
    """A fresh directory for this parent process and its children (to put in `ENV` before
    any of them imports prometheus_client); directories of parents gone are removed."""
    assert kind in KINDS
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in _family_dirs(base):
        if not _alive(int(stale.name.rsplit("-", 1)[1])):
            shutil.rmtree(stale, ignore_errors=True)
    own = base / f"{kind}-{os.getpid()}"
    shutil.rmtree(own, ignore_errors=True)  # a directory left by an earlier process
    own.mkdir(mode=0o700)
    return own


def process_exited(pid: int, directory: str) -> None:
    """A child process is gone (gunicorn's `child_exit`): its `live*` gauges no longer
    count. Its counters stay: a total does not go down when a process restarts."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def remove_family(directory: str) -> None:
    """The parent stops: its directory goes with it."""
    shutil.rmtree(directory, ignore_errors=True)


def metric_files(base: Path | None, own: str | None) -> list[str]:
    """The files a scrape sums: every family directory under `base`, and `own` (this
    process's directory, in case it lies elsewhere)."""
    dirs = {os.path.realpath(d) for d in _family_dirs(base)}
    if own:
        dirs.add(os.path.realpath(own))
    return [f for d in sorted(dirs) for f in glob.glob(os.path.join(d, "*.db"))]


def _family_dirs(base: Path | None) -> list[Path]:
    if base is None or not base.is_dir():
        return []
    return [d for d in base.iterdir() if d.is_dir() and "-" in d.name
            and d.name.rsplit("-", 1)[0] in KINDS and d.name.rsplit("-", 1)[1].isdigit()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
