"""Building a process's Context from settings: database, cache, broker. Entry points call it."""
from __future__ import annotations

from pathlib import Path

from engine.clock import Clock, SystemClock
from engine.files import FileStore, LocalFiles
from engine.jobs.handoff import Handoff
from engine.jobs.relay import relay_outbox, safe
from engine.services.catalog_cache import CatalogCache
from engine.services.context import Context
from engine.services.live import LiveInstances
from engine.settings import Settings
from engine.store.db import make_engine, make_session_factory
from engine.store.uow import UnitOfWork


def build_context(settings: Settings, clock: Clock | None = None) -> Context:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size,
                         prepare=bool(settings.db_prepare))
    factory = make_session_factory(engine)
    ctx = Context(settings=settings, clock=clock or SystemClock(), uow=lambda: UnitOfWork(factory),
                  cache=CatalogCache(script_time_limit=settings.script_time_limit,
                                     script_memory_limit=settings.script_memory_limit),
                  db_engine=engine, live=LiveInstances(settings.live_instances),
                  files=file_store(settings))

    handoff = Handoff(ctx)

    def uow(readonly: bool = False) -> UnitOfWork:
        # Jobs written by a command are handed to the broker as soon as it commits.
        return UnitOfWork(factory, after_commit=lambda: relay_after_commit(ctx),
                          readonly=readonly,
                          after_deliveries=handoff.put)

    ctx.uow = uow
    return ctx


def relay_after_commit(ctx: Context) -> None:
    safe(relay_outbox)(ctx)


def file_store(settings: Settings) -> FileStore:
    """The S3 bucket when one is named, else the local directory."""
    if settings.s3_bucket:
        from engine.files.s3 import S3Files  # boto3 is loaded only where it is used

        return S3Files(endpoint=settings.s3_endpoint, bucket=settings.s3_bucket,
                       access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                       region=settings.s3_region, prefix=settings.s3_prefix)
    return LocalFiles(Path(settings.files_dir))
