"""What every use case needs, built once per process and passed in."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.clock import Clock
from engine.files import FileStore, LocalFiles
from engine.services.catalog_cache import CatalogCache
from engine.services.live import LiveInstances
from engine.settings import Settings
from engine.store.uow import UnitOfWork


@dataclass
class Context:
    settings: Settings
    clock: Clock
    uow: Callable[..., UnitOfWork]  # uow(readonly=False)
    cache: CatalogCache = field(default_factory=CatalogCache)
    # Called with (actor name, payload, delay seconds) by the outbox relay; set by jobs.
    send_job: Callable[[str, dict[str, Any], float], None] | None = None
    db_engine: Any = None
    # token hash -> (caller, monotonic expiry): saves a query per request (see auth.py).
    callers: dict[str, Any] = field(default_factory=dict)
    # (province, calendar id) -> (resolved calendar, monotonic expiry): see statutory.py.
    calendars: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Instances left by this process's last command on a dossier: see live.py.
    live: LiveInstances = field(default_factory=lambda: LiveInstances(0))
    # Submitted documents' files (engine.files): a directory, or an S3 bucket.
    files: FileStore = field(default_factory=lambda: LocalFiles(Path("var") / "files"))
