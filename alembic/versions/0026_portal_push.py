"""portal push: a subscription's format (the event, or the dossier's sync packet) and what
its push does when the portal answers "already exists"

Revision ID: 0026
Revises: 0025
"""

from alembic import op
import sqlalchemy as sa

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.String(length=20), nullable=False,
                                      server_default="event"))
        batch_op.add_column(sa.Column("push_options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("push_options")
        batch_op.drop_column("format")
