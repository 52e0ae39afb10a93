"""tasks: the inbox's lanes, a unit's open tasks and the province's by step due, with what
the lanes filter on (index-only on PostgreSQL); a unit's tasks carry their dossiers'
ids (the officers' scope of dossiers)

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
LANE = ["position", "holder_id", "warn_at", "id"]


def upgrade() -> None:
    op.create_index("ix_task_open_lane", "tasks", ["province", "unit", "due_at"],
                    postgresql_include=LANE, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_task_open_due", "tasks", ["province", "due_at"],
                    postgresql_include=["unit", *LANE], postgresql_where=OPEN,
                    sqlite_where=OPEN)
    op.drop_index("ix_task_unit_created", table_name="tasks")
    op.create_index("ix_task_unit_created", "tasks", ["unit", "created_at"],
                    postgresql_include=["dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_task_unit_created", table_name="tasks")
    op.create_index("ix_task_unit_created", "tasks", ["unit", "created_at"])
    op.drop_index("ix_task_open_due", table_name="tasks")
    op.drop_index("ix_task_open_lane", table_name="tasks")
