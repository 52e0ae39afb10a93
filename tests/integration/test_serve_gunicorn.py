"""The production shape boots: `motcua serve --workers 2` runs gunicorn with two worker
processes on PostgreSQL and Redis, and both answer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, REDIS_URL, ROOT, require
from tests.integration.production import children, get, service_env, start_server

pytestmark = pytest.mark.integration


def test_serve_with_workers_runs_gunicorn_processes(tmp_path: Path) -> None:
    database = require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
    redis = require(REDIS_URL, "MOTCUA_TEST_REDIS_URL")
    env = service_env(database, redis)
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env, check=True,
                   cwd=ROOT, capture_output=True, timeout=120)
    server, port = start_server(env, tmp_path / "server.log", workers=2)
    try:
        assert get(port, "/health") == (200, {"status": "ok"})
        assert len(children(server.pid)) == 2
        # a request without a token is refused by the API itself, in either worker
        assert {get(port, "/api/v1/tasks")[0] for _ in range(4)} == {401}
    finally:
        server.stop()
