"""Running the API: embedded (one process, in-process worker) or gunicorn (production)."""
from __future__ import annotations

import os
import secrets
import socket
from typing import Any

from engine.settings import Settings


def cannot_listen(host: str, port: int) -> OSError | None:
    """Why a server could not listen on host:port (errno EADDRINUSE: the port is taken),
    or None if it can. Checked before anything starts, so that a busy port is one line
    rather than a traceback (werkzeug) or a minute of retries (gunicorn)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as both servers do
            s.bind((host, port))
    except OSError as exc:
        return exc
    return None


def free_port_after(host: str, port: int, tries: int = 50) -> int | None:
    """The first port after `port` that is free on `host`, if one is near."""
    return next((p for p in range(port + 1, min(port + 1 + tries, 65536))
                 if cannot_listen(host, p) is None), None)


def serve_embedded(settings: Settings, host: str, port: int) -> None:
    """One process: the API on threads, and, with no Redis, the job worker beside it."""
    from werkzeug.serving import run_simple

    from api.app import create_app
    from engine.jobs.broker import Sweeper, install, make_broker, start_worker
    from engine.store.migrate import upgrade

    upgrade(settings.database_url)
    app = create_app(settings)
    ctx = app.extensions["motcua"]
    broker = make_broker(settings.redis_url)
    install(ctx, broker)
    if settings.embedded:
        start_worker(broker)
        Sweeper(ctx, settings.outbox_sweep_seconds).start()
    print(f"motcua serving on http://{host}:{port} (pages: /, API docs: /api/v1/docs)",
          flush=True)
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _child_exit(_server: Any, worker: Any) -> None:
    """A gunicorn worker is gone: its metrics are marked dead (engine.metrics.files)."""
    from engine.metrics.files import ENV, process_exited

    directory = os.environ.get(ENV)
    if directory:
        process_exited(worker.pid, directory)


def _on_exit(_server: Any) -> None:
    """gunicorn stops: its metrics directory goes (in memory, it would stay until the next
    serving parent starts)."""
    from engine.metrics.files import ENV, remove_family

    directory = os.environ.get(ENV)
    if directory:
        remove_family(directory)


def serve_gunicorn(host: str, port: int, workers: int, threads: int = 4) -> None:
    """The production shape: gunicorn processes running `api.wsgi:app`."""
    from gunicorn.app.base import BaseApplication

    # Every worker must sign and check the pages' sessions with the same key: without one
    # set, this start makes one that the workers inherit.
    os.environ.setdefault("MOTCUA_SESSION_SECRET", secrets.token_hex(32))

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # Threaded workers keep client connections alive (sync workers close each one);
            # the database pool is sized per process by MOTCUA_DB_POOL_SIZE.
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("keepalive", 30)
            self.cfg.set("accesslog", None)
            # Each worker touches a heartbeat file on every turn of its loop; on a disk
            # file system that is a journaled metadata write, in memory it is nearly free
            # (gunicorn's own advice).
            if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
                self.cfg.set("worker_tmp_dir", "/dev/shm")
            self.cfg.set("child_exit", _child_exit)
            self.cfg.set("on_exit", _on_exit)

        def load(self) -> Any:
            from api.wsgi import app

            return app

    _App().run()
