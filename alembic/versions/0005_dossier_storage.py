"""PostgreSQL storage of dossiers: room for HOT updates, lz4 for the state

Every command rewrites its dossier's row. With free space left in each page (fillfactor
85) the new row version usually fits beside the old one and, when no indexed column
changed, PostgreSQL skips the six index updates (a HOT update). The state JSON is
compressed when the row is stored; lz4 costs a fraction of the default pglz's CPU, and is
used only where the server was built with it. SQLite: nothing to do.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    found = op.get_bind().execute(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'")).scalar()
    return bool(found)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE dossiers SET (fillfactor = 85)")
    if _lz4_available():
        op.execute("ALTER TABLE dossiers ALTER COLUMN state SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE dossiers RESET (fillfactor)")
    op.execute("ALTER TABLE dossiers ALTER COLUMN state SET COMPRESSION default")
