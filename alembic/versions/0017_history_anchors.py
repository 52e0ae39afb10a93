"""history anchors: per province and day, a digest over every dossier's chain head at the
end of the day, chained to the day before

Revision ID: 0017
Revises: 0016
"""

from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "history_anchors",
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prev_digest", sa.String(length=64), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("province", "day"),
    )


def downgrade() -> None:
    op.drop_table("history_anchors")
