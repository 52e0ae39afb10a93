"""Migrations are the schema: they match the models, and they go down and up again."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from alembic import command
from engine.store.migrate import alembic_config, upgrade
from engine.store.models import Base
from tests.integration.fresh_database import fresh_url


def _fresh_url(backend: str, tmp_path: Path) -> str:
    return fresh_url(backend, tmp_path, "migrations")


def _diff(url: str) -> list[Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return diff


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_models_and_reverse(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    upgrade(url)
    assert _diff(url) == []
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    assert _diff(url) == []


def test_postgresql_keeps_room_for_hot_updates_of_dossiers(tmp_path: Path) -> None:
    url = _fresh_url("postgresql", tmp_path)
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            options = conn.execute(text(
                "SELECT reloptions FROM pg_class WHERE relname = 'dossiers'")).scalar()
            lz4 = conn.execute(text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'")).scalar()
            method = conn.execute(text(
                "SELECT attcompression FROM pg_attribute WHERE attrelid = 'dossiers'::regclass "
                "AND attname = 'state'")).scalar()
    finally:
        engine.dispose()
    assert "fillfactor=85" in (options or [])
    assert method == ("l" if lz4 else "")
