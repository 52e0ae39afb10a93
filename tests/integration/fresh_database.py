"""A database of its own for a migration test, beside the test database: an SQLite file in
the test's directory, or a PostgreSQL database created afresh (dropped first if a run left
it)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import PG_URL, require


def fresh_url(backend: str, tmp_path: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    base = require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
    server, database = base.rsplit("/", 1)
    own = f"{database}_{name}"
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}"'))
        conn.execute(text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    return f"{server}/{own}"
