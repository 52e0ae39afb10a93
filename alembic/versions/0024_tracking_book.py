"""tracking book (form 07): the dossiers a unit received, and the tasks it was handed, in a
period, found by index

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossier_unit_received", "dossiers", ["unit", "received_at"])
    op.create_index("ix_task_unit_created", "tasks", ["unit", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_task_unit_created", table_name="tasks")
    op.drop_index("ix_dossier_unit_received", table_name="dossiers")
