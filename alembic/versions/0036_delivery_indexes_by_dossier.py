"""webhook deliveries: the indexes a command writes hold only pending rows and are led by
the dossier or the instant, so that the deliveries of one command (one per subscription)
land side by side instead of in one place per subscription; finished rows are indexed by
the worker that finishes them

Revision ID: 0036
Revises: 0035
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

TABLE = "webhook_deliveries"
PENDING = sa.text("status = 'pending'")
FINISHED = sa.text("status <> 'pending'")
DELIVERED = sa.text("status = 'delivered'")


def _partial(name: str, columns: list[str], where: sa.TextClause) -> None:
    op.create_index(name, TABLE, columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    op.drop_index("ix_webhook_delivery_chain", table_name=TABLE)
    op.drop_index("ix_webhook_delivery_due", table_name=TABLE)
    _partial("ix_webhook_delivery_chain", ["dossier_id", "subscription_id", "id"], PENDING)
    _partial("ix_webhook_delivery_due", ["next_attempt_at"], PENDING)
    _partial("ix_webhook_delivery_done", ["subscription_id", "id"], FINISHED)
    _partial("ix_webhook_delivery_taken", ["dossier_id", "subscription_id"], DELIVERED)


def downgrade() -> None:
    for name in ("ix_webhook_delivery_taken", "ix_webhook_delivery_done",
                 "ix_webhook_delivery_due", "ix_webhook_delivery_chain"):
        op.drop_index(name, table_name=TABLE)
    op.create_index("ix_webhook_delivery_chain", TABLE,
                    ["subscription_id", "dossier_id", "status", "id"])
    op.create_index("ix_webhook_delivery_due", TABLE, ["status", "next_attempt_at"])
