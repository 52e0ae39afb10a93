"""Shared fixtures. Database-backed tests run once per backend:

- `sqlite`: always, on a temporary file;
- `postgresql`: on MOTCUA_TEST_POSTGRES_URL (skipped when unset, except under CI=true,
  where a missing database is a failure, never a skip).
"""
from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from engine.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(url: str, variable: str) -> str:
    """A service URL from the environment: unset skips the test, or fails it under CI."""
    if not url:
        if IN_CI:
            pytest.fail(f"CI must set {variable}")
        pytest.skip(f"{variable} not set")
    return url


def _fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database, one per backend per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'motcua.sqlite3'}"
    else:
        url = require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
        _fresh_postgres(url)
    upgrade(url)
    return url


@dataclass
class World:
    """A fresh province on a migrated database, with an app and one principal per role."""

    app: Any
    client: Any
    ctx: Any
    province: str
    unit: str
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def principal(self, who: str, role: str, *, unit: str | None = None,
                  position: str | None = None) -> str:
        from engine.services.org.auth import create_principal

        _, token = create_principal(self.ctx, name=who, role=role, province=self.province,
                                    unit=unit, position=position)
        self.tokens[who] = token
        return token

    def register_unit(self, code: str, *, province: str | None = None,
                      kind: str = "department") -> None:
        """Register `code` as a unit of `province` (this world's by default): only registered
        units receive dossiers and have officers."""
        from engine.store.models import Unit

        with self.ctx.uow() as uow:
            now = self.ctx.clock.now()
            uow.repo.add(Unit(code=code, province=province or self.province, name=f"Unit {code}",
                              kind=kind, created_at=now, registered_at=now, updated_at=now))
            uow.commit()

    def deploy(self, bpmn: Path, forms: list[Path]) -> Any:
        data = {"bpmn": (bpmn.open("rb"), bpmn.name),
                "forms": [(f.open("rb"), f.name) for f in forms]}
        return self.client.post("/api/v1/process-definitions", data=data,
                                headers=self.headers("designer"),
                                content_type="multipart/form-data")


def make_world(db_url: str, clock: Any = None, **settings: Any) -> World:
    """A World on `db_url`; `clock` (e.g. engine.clock.ManualClock) drives time."""
    from api.app import create_app
    from engine.jobs.broker import install, make_broker
    from engine.settings import Settings

    # Submitted documents go to a directory of the test's own, never the project's var/.
    settings.setdefault("files_dir", tempfile.mkdtemp(prefix="motcua-files-"))
    app = create_app(Settings(database_url=db_url, **settings), clock=clock)
    ctx = app.extensions["motcua"]
    install(ctx, make_broker(""))
    # Each test gets its own province and unit: tests never see each other's data.
    suffix = uuid.uuid4().hex[:8]
    u = uuid.uuid4().hex.upper()  # an official-looking unit code: 000.00.06.H56
    w = World(app, app.test_client(), ctx, f"P{suffix}", f"{u[:3]}.{u[3:5]}.{u[5:7]}.H{u[7:9]}",
              {})
    w.register_unit(w.unit)
    w.principal("designer", "designer")
    w.principal("client", "client", unit=w.unit)
    # An officer holds a unit and a position: tasks without a lane are for any position.
    w.principal("officer", "officer", unit=w.unit, position="officer")
    w.principal("auditor", "auditor")
    w.principal("admin", "admin")
    return w


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url)
    yield w
    w.ctx.db_engine.dispose()


@pytest.fixture
def redis_url() -> str:
    """MOTCUA_TEST_REDIS_URL, flushed (skipped when unset; under CI=true a failure)."""
    require(REDIS_URL, "MOTCUA_TEST_REDIS_URL")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()  # no message of an earlier test may wake this test's dossiers
    client.close()
    return REDIS_URL
