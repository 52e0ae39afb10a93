"""statutory clock: procedures, due instants and pauses on dossiers, step due on tasks

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("province", "code", name="uq_procedure_code"),
    )
    op.create_index("ix_procedure_process", "procedures", ["province", "process_key"])
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("procedure_code", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("calendar_id", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("due_at", TS, nullable=True))
        batch.add_column(sa.Column("warn_at", TS, nullable=True))
        batch.add_column(sa.Column("timeliness", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("paused_since", TS, nullable=True))
        batch.add_column(sa.Column("paused_hours", sa.Double(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("pause_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("new_appointment_at", TS, nullable=True))
        batch.add_column(sa.Column("apology_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_index("ix_dossiers_due_at", ["due_at"])
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("due_at", TS, nullable=True))
        batch.add_column(sa.Column("warn_at", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("warn_at")
        batch.drop_column("due_at")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_index("ix_dossiers_due_at")
        for name in ("apology_count", "new_appointment_at", "pause_count", "paused_hours",
                     "paused_since", "timeliness", "warn_at", "due_at", "calendar_id",
                     "procedure_code"):
            batch.drop_column(name)
    op.drop_index("ix_procedure_process", table_name="procedures")
    op.drop_table("procedures")
