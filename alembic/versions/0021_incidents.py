"""incidents: where a diagram failed at run time; dossiers left in `error` become incidents

Every dossier stopped on an error gets an open incident (trigger `stored`: its element and
message from its last `step.error` event, else its stored error) and goes back to
`in_process`, marked with it: its timers wait until a retry of the incident re-runs the
failed element (or fires the timers) and succeeds.

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import sqlalchemy as sa

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=True),
        sa.Column("element_name", sa.String(length=500), nullable=True),
        sa.Column("element_type", sa.String(length=100), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("command", sa.String(length=50), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definitions.id"]),
        sa.ForeignKeyConstraint(["resolved_by"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_province", "incidents", ["province", "status", "id"])
    op.create_index("ix_incident_dossier", "incidents", ["dossier_id", "status"])
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
    _stopped_dossiers_to_incidents()


def _stopped_dossiers_to_incidents() -> None:
    conn = op.get_bind()
    stopped = conn.execute(sa.text(
        "SELECT id, province, definition_id, process_key, error, updated_at "
        "FROM dossiers WHERE status = 'error' ORDER BY id")).all()
    incidents = sa.table(
        "incidents", *(sa.column(c) for c in (
            "province", "dossier_id", "definition_id", "process_key", "element_id",
            "element_name", "element_type", "trigger", "error", "status", "count",
            "opened_at", "last_seen_at")))
    for dossier_id, province, definition_id, process_key, error, updated_at in stopped:
        failed = conn.execute(sa.text(
            "SELECT element_id, payload FROM history_events WHERE dossier_id = :d "
            "AND kind = 'step.error' ORDER BY seq DESC LIMIT 1"), {"d": dossier_id}).first()
        payload = _payload(failed[1]) if failed is not None else {}
        conn.execute(incidents.insert().values(
            province=province, dossier_id=dossier_id, definition_id=definition_id,
            process_key=process_key, element_id=failed[0] if failed is not None else None,
            element_name=payload.get("name"), element_type=payload.get("type"),
            trigger="stored", error=payload.get("message") or error or "stopped on an error",
            status="open", count=1, opened_at=updated_at, last_seen_at=updated_at))
        incident_id = conn.execute(sa.text(
            "SELECT max(id) FROM incidents WHERE dossier_id = :d"), {"d": dossier_id}).scalar()
        conn.execute(sa.text(
            "UPDATE dossiers SET status = 'in_process', error = NULL, incident_id = :i, "
            "next_wakeup = NULL, "
            "wake_queued_at = NULL, row_version = row_version + 1 WHERE id = :d"),
            {"i": incident_id, "d": dossier_id})


def _payload(value: object) -> dict:
    """A history payload as the driver returns it: a dict (PostgreSQL) or JSON text."""
    if isinstance(value, dict):
        return value
    import json

    loaded = json.loads(value) if isinstance(value, str) else {}
    return loaded if isinstance(loaded, dict) else {}


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE dossiers SET status = 'error', error = (SELECT error FROM incidents i "
        "WHERE i.id = dossiers.incident_id) WHERE incident_id IN (SELECT id FROM incidents "
        "WHERE status = 'open' AND trigger IN ('stored', 'timer'))"))
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("incident_id")
    op.drop_index("ix_incident_dossier", table_name="incidents")
    op.drop_index("ix_incident_province", table_name="incidents")
    op.drop_table("incidents")
