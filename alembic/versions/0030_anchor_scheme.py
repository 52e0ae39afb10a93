"""history anchors cover the chain heads that moved each day (scheme 2); the anchors
already written keep scheme 1 (every head); an index on the events' instants

Revision ID: 0030
Revises: 0029
"""

from alembic import op
import sqlalchemy as sa

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("history_anchors",
                  sa.Column("scheme", sa.Integer(), server_default="1", nullable=False))
    op.create_index("ix_history_at", "history_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_history_at", table_name="history_events")
    with op.batch_alter_table("history_anchors") as batch:
        batch.drop_column("scheme")
