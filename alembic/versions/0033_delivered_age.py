"""webhook deliveries: the purge's index by age holds only delivered rows, so that the
command writing a delivery does not write it too

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

DELIVERED = sa.text("status = 'delivered'")


def upgrade() -> None:
    op.drop_index("ix_webhook_delivery_age", table_name="webhook_deliveries")
    op.create_index("ix_webhook_delivery_age", "webhook_deliveries", ["created_at"],
                    postgresql_where=DELIVERED, sqlite_where=DELIVERED)


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_age", table_name="webhook_deliveries")
    op.create_index("ix_webhook_delivery_age", "webhook_deliveries", ["status", "created_at"])
