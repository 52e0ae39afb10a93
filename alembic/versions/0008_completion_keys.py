"""completion keys: a task completion sent with an Idempotency-Key keeps its first answer,
so a client retrying after a lost answer gets that answer again rather than a 409

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "completion_keys",
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["principal_id"], ["principals.id"]),
        sa.PrimaryKeyConstraint("principal_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("completion_keys")
