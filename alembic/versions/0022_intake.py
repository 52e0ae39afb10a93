"""intake: the instant the applicant submitted, clients granted a dossier, and messages
kept until the process waits for them

Revision ID: 0022
Revises: 0021
"""

from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_messages", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "dossier_grants",
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("granted_by", sa.Integer(), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", "client_id"),
    )
    op.create_index("ix_dossier_grant_client", "dossier_grants", ["client_id"])
    op.create_table(
        "pending_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sender_id", sa.Integer(), sa.ForeignKey("principals.id"), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dossier_id", "message_id", name="uq_pending_message_id"),
    )
    op.create_index("ix_pending_message_dossier", "pending_messages", ["dossier_id"])
    op.create_index("ix_pending_message_expires", "pending_messages", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_message_expires", table_name="pending_messages")
    op.drop_index("ix_pending_message_dossier", table_name="pending_messages")
    op.drop_table("pending_messages")
    op.drop_index("ix_dossier_grant_client", table_name="dossier_grants")
    op.drop_table("dossier_grants")
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("pending_messages")
        batch_op.drop_column("submitted_at")
