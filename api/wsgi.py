"""WSGI entry point for gunicorn: `gunicorn api.wsgi:app` (settings from MOTCUA_*)."""
from __future__ import annotations

import os

from api.app import create_app
from engine.jobs.broker import install, make_broker
from engine.settings import Settings

settings = Settings.from_env(os.environ)
app = create_app(settings)
install(app.extensions["motcua"], make_broker(settings.redis_url))
