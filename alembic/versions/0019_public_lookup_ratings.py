"""public lookup and ratings: each dossier's lookup secret (printed on its receipt) and the
applicant's rating of the service, once per dossier

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("lookup_secret", sa.String(length=16), nullable=True))
    op.create_table(
        "ratings",
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("complaint", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("rated_by", sa.Integer(), sa.ForeignKey("principals.id"), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id"),
    )
    op.create_index("ix_ratings_province_rated_at", "ratings", ["province", "rated_at"])


def downgrade() -> None:
    op.drop_index("ix_ratings_province_rated_at", table_name="ratings")
    op.drop_table("ratings")
    op.drop_column("dossiers", "lookup_secret")
