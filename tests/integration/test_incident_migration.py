"""Migration 0021 turns the dossiers stopped on an error into open incidents: back in
process, marked with the incident (not woken until it is retried), the element and message
taken from their last `step.error` event."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from alembic import command
from engine.store.migrate import alembic_config, upgrade
from tests.integration.fresh_database import fresh_url

AT = "'2026-03-02 01:00:00+00:00'"


def _fresh_url(backend: str, tmp_path: Path) -> str:
    return fresh_url(backend, tmp_path, "incident_fill")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_dossiers_in_error_become_incidents(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    command.upgrade(alembic_config(url), "0020")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO process_definitions (id, province, key, version, name, content_hash, "
            f"bpmn_xml, forms, deployed_at) VALUES (1, 'P', 'k', 1, 'k', 'h', '<x/>', '{{}}', "
            f"{AT})"))
        for i, (status, error) in enumerate((("error", "division by zero"),
                                             ("error", "the data outgrew the limit"),
                                             ("in_process", None)), 1):
            conn.execute(text(
                "INSERT INTO dossiers (id, province, code, unit, definition_id, process_key, "
                "status, error, channel, applicant, state, received_at, updated_at, "
                "next_wakeup, history_seq, history_head, paused_hours, pause_count, "
                "apology_count, row_version) VALUES (:id, 'P', :code, 'U', 1, 'k', :status, "
                f":error, 'online', '{{}}', '{{}}', {AT}, {AT}, {AT}, 1, 'h', 0, 0, 0, 1)"),
                {"id": i, "code": f"U-260302-000{i}", "status": status, "error": error})
        conn.execute(text(
            "INSERT INTO history_events (dossier_id, seq, at, kind, element_id, payload, "
            f"prev_hash, hash) VALUES (1, 1, {AT}, 'step.error', 'compute', "
            "'{\"type\": \"ScriptTask\", \"name\": \"Compute\", \"message\": \"ZeroDivisionError\"}', "
            "'', 'h')"))
    try:
        upgrade(url)
        with engine.connect() as conn:
            dossiers = conn.execute(text(
                "SELECT id, status, error, incident_id, next_wakeup FROM dossiers "
                "ORDER BY id")).all()
            incidents = conn.execute(text(
                "SELECT id, dossier_id, element_id, element_name, element_type, trigger, "
                "error, status, count FROM incidents ORDER BY id")).all()
        assert [tuple(i)[1:] for i in incidents] == [
            (1, "compute", "Compute", "ScriptTask", "stored", "ZeroDivisionError", "open", 1),
            (2, None, None, None, "stored", "the data outgrew the limit", "open", 1)]
        assert [tuple(d)[:4] for d in dossiers] == [
            (1, "in_process", None, incidents[0][0]), (2, "in_process", None, incidents[1][0]),
            (3, "in_process", None, None)]
        assert dossiers[0][4] is None and dossiers[2][4] is not None
        command.downgrade(alembic_config(url), "0020")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT status, error FROM dossiers ORDER BY id")).all()
        assert [tuple(b) for b in back] == [("error", "ZeroDivisionError"),
                                           ("error", "the data outgrew the limit"),
                                           ("in_process", None)]
    finally:
        engine.dispose()
