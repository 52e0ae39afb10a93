"""documents issued for a dossier: form 01, the receipt and appointment slip, first

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("principals.id"), nullable=True),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_document_dossier", "documents", ["dossier_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_document_dossier", table_name="documents")
    op.drop_table("documents")
