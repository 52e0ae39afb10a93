"""tasks: the index by dossier carries the unit, so that an officer's scope of the dossiers a
search found is checked from the index alone

Revision ID: 0034
Revises: 0033
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_dossier_unit", "tasks", ["dossier_id", "unit"])
    op.drop_index("ix_tasks_dossier_id", table_name="tasks")


def downgrade() -> None:
    op.create_index("ix_tasks_dossier_id", "tasks", ["dossier_id"])
    op.drop_index("ix_task_dossier_unit", table_name="tasks")
