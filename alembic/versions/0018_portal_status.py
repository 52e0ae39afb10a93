"""portal status: each dossier's status code on the National Public Service Portal (1-10),
kept up to date as the dossier moves

Revision ID: 0018
Revises: 0017
"""

from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("portal_status", sa.SmallInteger(), nullable=True))
    # Dossiers received before: the platform's reading of where they stand.
    op.execute("""
        UPDATE dossiers SET portal_status = CASE status
            WHEN 'finished' THEN 9 WHEN 'withdrawn' THEN 7 WHEN 'stopped' THEN 8
            ELSE CASE WHEN paused_since IS NOT NULL THEN 5
                      WHEN due_at IS NOT NULL THEN 4 ELSE 1 END END""")


def downgrade() -> None:
    op.drop_column("dossiers", "portal_status")
