"""principals signed in through an OIDC provider: the issuer and subject they are known by

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("principals") as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint("uq_principals_subject", ["subject"])


def downgrade() -> None:
    with op.batch_alter_table("principals") as batch_op:
        batch_op.drop_constraint("uq_principals_subject", type_="unique")
        batch_op.drop_column("subject")
