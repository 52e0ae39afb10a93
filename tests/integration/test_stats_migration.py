"""Migration 0027 counts the dossiers and ratings already stored, so the figures start
complete: received on their day, finished by class, withdrawn, rated."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from alembic import command
from engine.store.migrate import alembic_config, upgrade
from tests.integration.fresh_database import fresh_url

JAN = "'2026-01-12 01:00:00+00:00'"  # 08:00 in Vietnam
LATE_NIGHT = "'2026-03-02 18:00:00+00:00'"  # 3 March 01:00 in Vietnam


def _fresh_url(backend: str, tmp_path: Path) -> str:
    return fresh_url(backend, tmp_path, "stats_fill")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_dossiers_are_counted(backend: str, tmp_path: Path) -> None:
    url = _fresh_url(backend, tmp_path)
    command.upgrade(alembic_config(url), "0026")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO process_definitions (id, province, key, version, name, content_hash, "
            f"bpmn_xml, forms, deployed_at) VALUES (1, 'P', 'k', 1, 'k', 'h', '<x/>', '{{}}', "
            f"{JAN})"))
        # (status, finished_at, timeliness, pause_count, portal status)
        for i, (status, finished, cls, pauses, portal) in enumerate((
                ("in_process", None, "overdue", 0, 4),
                ("finished", LATE_NIGHT, "early", 0, 9),      # early
                ("finished", LATE_NIGHT, "on_time", 2, 3),    # late: two supplements; refused
                ("withdrawn", LATE_NIGHT, None, 0, 7)), 1):
            conn.execute(text(
                "INSERT INTO dossiers (id, province, code, unit, definition_id, process_key, "
                "status, channel, applicant, state, received_at, updated_at, finished_at, "
                "procedure_code, timeliness, history_seq, history_head, paused_hours, "
                "pause_count, apology_count, portal_status, row_version) VALUES (:id, 'P', "
                f":code, 'U', 1, 'k', :status, 'online', '{{}}', '{{}}', {JAN}, {JAN}, "
                f"{'NULL' if finished is None else finished}, 'p1', :cls, 1, 'h', 0, :pauses, "
                "0, :portal, 1)"),
                {"id": i, "code": f"U-260112-000{i}", "status": status, "cls": cls,
                 "pauses": pauses, "portal": portal})
        conn.execute(text(
            "INSERT INTO ratings (dossier_id, province, level, criteria, complaint, channel, "
            f"rated_at) VALUES (2, 'P', 4, '{{}}', 'Chậm', 'applicant', {LATE_NIGHT})"))
        for dossier, kind in ((1, "request_form"), (2, "result")):  # kept as files
            conn.execute(text(
                "INSERT INTO documents (province, dossier_id, kind, file_name, content_type, "
                f"fields, created_at, file_key) VALUES ('P', :d, :k, 'a.pdf', "
                f"'application/pdf', '{{}}', {JAN}, :key)"),
                {"d": dossier, "k": kind, "key": f"sha256/{dossier}"})
    try:
        upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT day, received, finished_early, finished_late, refused, "
                "multi_supplement, withdrawn, rated_4, complaints, unhappy, processing_count "
                "FROM stats_counts WHERE province = 'P' ORDER BY day")).all()
        days = [(str(r[0])[:10], *r[1:]) for r in rows]
        # 12 January: 4 received. 3 March (Vietnam's day of 18:00 UTC on the 2nd): one
        # early, one late (two supplements) and refused, one withdrawn, one rating of 4
        # with a complaint; no processing time for dossiers finished before the counters.
        assert days == [("2026-01-12", 4, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                        ("2026-03-03", 0, 1, 1, 1, 1, 1, 1, 1, 1, 0)]
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT id, files_kept FROM dossiers ORDER BY id")).all()
            counted = conn.execute(text(
                "SELECT day, digitised, results_electronic FROM stats_counts "
                "WHERE province = 'P' ORDER BY day")).all()
            province = conn.execute(text(
                "SELECT day, received, received_online, finished_late, results_electronic "
                "FROM stats_counts_province WHERE province = 'P' ORDER BY day")).all()
            open_ = conn.execute(text(
                "SELECT kind, n FROM stats_open_province WHERE province = 'P'")).all()
        # Migration 0031: dossier 1 holds a paper (1), dossier 2 a result (2). Dossier 1 is
        # digitised on its day of reception, 2's electronic result counts on its day of
        # finishing; the province's days sum the keyed rows (all online); the one open
        # dossier has no clock: untimed.
        assert [tuple(r) for r in kept] == [(1, 1), (2, 2), (3, 0), (4, 0)]
        assert [(str(r[0])[:10], r[1], r[2]) for r in counted] == [
            ("2026-01-12", 1, 0), ("2026-03-03", 0, 1)]
        assert [(str(r[0])[:10], *r[1:]) for r in province] == [
            ("2026-01-12", 4, 4, 0, 0), ("2026-03-03", 0, 0, 1, 1)]
        assert [tuple(r) for r in open_] == [("untimed", 1)]
    finally:
        engine.dispose()
