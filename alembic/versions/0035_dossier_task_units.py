"""dossiers: the units that have held a task of each dossier, for an officer's search on
PostgreSQL (`task_units && ARRAY[units]`, a GIN index)

An officer sees the dossiers their units received or hold a task of. A search found the
dossiers matching the name first, then read each one's row and hashed every task of the
officer's units (60 000 for a department at 1 000 000 dossiers) to keep those in scope.
With the units on the dossier and indexed, the name and the scope meet as two bitmaps and
only the dossiers in scope are read. Existing dossiers get theirs from their tasks, in
batches of ids. On SQLite the column stays NULL: its scope reads the tasks.

Revision ID: 0035
Revises: 0034
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

BATCH = 50_000


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column(
            "task_units", postgresql.ARRAY(sa.Text) if postgres else sa.Text, nullable=True))
    if postgres:
        fill(op.get_bind())
    op.create_index("ix_dossier_task_units", "dossiers", ["task_units"],
                    postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_dossier_task_units", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("task_units")


def fill(bind: sa.Connection) -> None:
    """Each dossier's task units from its tasks, sorted, BATCH dossier ids at a time (as the
    hot path writes them with new tasks: tests/api/test_routing.py compares the two)."""
    top = bind.execute(sa.text("SELECT max(id) FROM dossiers")).scalar() or 0
    for low in range(0, top, BATCH):  # bounded: top / BATCH batches
        bind.execute(sa.text(
            "UPDATE dossiers d SET task_units = t.units FROM ("
            " SELECT dossier_id, array_agg(DISTINCT unit ORDER BY unit) AS units FROM tasks"
            " WHERE dossier_id > :low AND dossier_id <= :high AND unit IS NOT NULL"
            " GROUP BY dossier_id) t WHERE d.id = t.dossier_id"),
            {"low": low, "high": low + BATCH})
