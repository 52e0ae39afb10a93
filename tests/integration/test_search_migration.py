"""Migration 0010 fills the search columns of the dossiers already stored, and on
PostgreSQL indexes the names by trigrams; 0014 replaces that index by the names' word
prefixes (filled on PostgreSQL, NULL on SQLite) and a GIN index on them."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from alembic import command
from engine.store.migrate import alembic_config, upgrade
from tests.integration.fresh_database import fresh_url

APPLICANTS = [
    '{"type": "citizen", "name": "Nguyễn  Văn Đức", "id_number": "001 185 012345"}',
    '{"name": "Tran Thi B"}',
    '{"type": "organisation"}',
]


def _method(conn: Connection, index: str) -> str | None:
    """The access method of an index on PostgreSQL (None: no such index)."""
    found: str | None = conn.execute(text(
        "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
        "WHERE c.relname = :index"), {"index": index}).scalar()
    return found


def _fresh_url(backend: str, tmp_path: Path) -> str:
    return fresh_url(backend, tmp_path, "search_fill")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_dossiers_get_their_search_columns(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    command.upgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO process_definitions (id, province, key, version, name, content_hash, "
            "bpmn_xml, forms, deployed_at) VALUES (1, 'P', 'k', 1, 'k', 'h', '<x/>', '{}', "
            "'2026-03-02 01:00:00+00:00')"))
        for i, applicant in enumerate(APPLICANTS, 1):
            conn.execute(text(
                "INSERT INTO dossiers (id, province, code, unit, definition_id, process_key, "
                "status, channel, applicant, state, received_at, updated_at, history_seq, "
                "history_head, paused_hours, pause_count, apology_count, row_version) VALUES "
                "(:id, 'P', :code, 'U', 1, 'k', 'in_process', 'online', :applicant, '{}', "
                "'2026-03-02 01:00:00+00:00', '2026-03-02 01:00:00+00:00', 0, '', 0, 0, 0, 1)"),
                {"id": i, "code": f"U-260302-000{i}", "applicant": applicant})
    try:
        command.upgrade(alembic_config(url), "0010")
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT search_name, search_id FROM dossiers ORDER BY id")).all()
            method = _method(conn, "ix_dossier_search_name") \
                if backend == "postgresql" else None
        assert [tuple(r) for r in rows] == [(" nguyen van duc", "001185012345"),
                                           (" tran thi b", None), (None, None)]
        if backend == "postgresql":
            assert method == "gin"
        command.downgrade(alembic_config(url), "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dossiers")).scalar() == 3
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_dossiers_get_their_name_prefixes(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    command.upgrade(alembic_config(url), "0013")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO process_definitions (id, province, key, version, name, content_hash, "
            "bpmn_xml, forms, deployed_at) VALUES (1, 'P', 'k', 1, 'k', 'h', '<x/>', '{}', "
            "'2026-03-02 01:00:00+00:00')"))
        for i, name in enumerate((" nguyen van nguyen", None, " le a"), 1):
            conn.execute(text(
                "INSERT INTO dossiers (id, province, code, unit, definition_id, process_key, "
                "status, channel, applicant, search_name, state, received_at, updated_at, "
                "history_seq, history_head, paused_hours, pause_count, apology_count, "
                "row_version) VALUES (:id, 'P', :code, 'U', 1, 'k', 'in_process', 'online', "
                "'{}', :name, '{}', '2026-03-02 01:00:00+00:00', '2026-03-02 01:00:00+00:00', "
                "0, '', 0, 0, 0, 1)"), {"id": i, "code": f"U-260302-000{i}", "name": name})
    try:
        upgrade(url)
        with engine.connect() as conn:
            prefixes = conn.execute(text(
                "SELECT name_prefixes FROM dossiers ORDER BY id")).scalars().all()
            if backend == "postgresql":
                assert _method(conn, "ix_dossier_name_prefixes") == "gin"
                assert _method(conn, "ix_dossier_search_name") is None
                found = conn.execute(text(
                    "SELECT id FROM dossiers WHERE name_prefixes @> ARRAY['ng', 'va']")
                ).scalars().all()
                assert found == [1]
        if backend == "postgresql":
            assert prefixes == [["n", "ng", "ngu", "nguy", "nguye", "nguyen", "v", "va", "van"],
                                None, ["l", "le", "a"]]
        else:
            assert prefixes == [None, None, None]  # SQLite's search scans search_name
        command.downgrade(alembic_config(url), "0013")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM dossiers")).scalar() == 3
            if backend == "postgresql":
                assert _method(conn, "ix_dossier_search_name") == "gin"
    finally:
        engine.dispose()
