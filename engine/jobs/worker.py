"""Entry module for `dramatiq engine.jobs.worker`: a broker, actors and a sweeper per process."""
from __future__ import annotations

import os

from engine.jobs.broker import SweeperMiddleware, install, make_broker
from engine.settings import Settings
from engine.wiring import build_context

settings = Settings.from_env(os.environ)
context = build_context(settings)
broker = make_broker(settings.redis_url)
broker.add_middleware(SweeperMiddleware(context, settings.outbox_sweep_seconds))
install(context, broker)
