"""retention: indexes by age for the hourly purge of kept Idempotency-Key answers and
delivered webhooks

Revision ID: 0029
Revises: 0028
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_completion_key_created", "completion_keys", ["created_at"])
    op.create_index("ix_webhook_delivery_age", "webhook_deliveries", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_age", table_name="webhook_deliveries")
    op.drop_index("ix_completion_key_created", table_name="completion_keys")
