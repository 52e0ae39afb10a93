"""Migration 0020 gives the versions deployed before it their states: the latest version of
each process stays the one new dossiers start on (active), the older ones are retired."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from alembic import command
from engine.store.migrate import alembic_config
from tests.integration.fresh_database import fresh_url


def _fresh_url(backend: str, tmp_path: Path) -> str:
    return fresh_url(backend, tmp_path, "definition_states")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_latest_version_of_each_process_stays_active(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    command.upgrade(alembic_config(url), "0019")
    engine = create_engine(url)
    rows = [(1, "P", "a", 1), (2, "P", "a", 2), (3, "P", "a", 3), (4, "P", "b", 1),
            (5, "Q", "a", 1)]
    with engine.begin() as conn:
        for i, province, key, version in rows:
            conn.execute(text(
                "INSERT INTO process_definitions (id, province, key, version, name, "
                "content_hash, bpmn_xml, forms, deployed_at) VALUES (:i, :p, :k, :v, :k, :h, "
                "'<x/>', '{}', '2026-03-02 01:00:00+00:00')"),
                {"i": i, "p": province, "k": key, "v": version, "h": f"h{i}"})
    command.upgrade(alembic_config(url), "0020")
    with engine.begin() as conn:
        states = dict(conn.execute(text("SELECT id, status FROM process_definitions")).all())
        assert states == {1: "retired", 2: "retired", 3: "active", 4: "active", 5: "active"}
        with pytest.raises(Exception, match="(?i)unique"):
            conn.execute(text("UPDATE process_definitions SET status = 'active' WHERE id = 2"))
    engine.dispose()
