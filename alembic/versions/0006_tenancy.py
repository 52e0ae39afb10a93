"""tenancy: calendars in their province's namespace; units belong to one province

Calendar ids were global (one row per id), so one province could take an id another then
could not use. The key becomes (province, id); the operator's national row moves from
province NULL to "". Units get a table of their own, filled from the principals and dossiers
that named them (the earliest decides the province).

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendars_province"))
    # A new table copied and renamed (not the old one renamed): PostgreSQL's constraint
    # names of the old table would otherwise clash with the new one's.
    op.create_table(
        "calendars_0006",
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("id", sa.String(length=50), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["principals.id"]),
        sa.PrimaryKeyConstraint("province", "id"),
    )
    op.execute("INSERT INTO calendars_0006 (province, id, data, updated_at, updated_by) "
               "SELECT COALESCE(province, ''), id, data, updated_at, updated_by "
               "FROM calendars")
    op.drop_table("calendars")
    op.rename_table("calendars_0006", "calendars")

    op.create_table(
        "units",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_units_province", "units", ["province"], unique=False)
    # The earliest principal, then the earliest dossier, naming a unit decides its province.
    op.execute("INSERT INTO units (code, province, created_at) "
               "SELECT p.unit, p.province, p.created_at FROM principals p "
               "WHERE p.unit IS NOT NULL AND p.id = "
               "(SELECT MIN(q.id) FROM principals q WHERE q.unit = p.unit)")
    op.execute("INSERT INTO units (code, province, created_at) "
               "SELECT d.unit, d.province, d.received_at FROM dossiers d "
               "WHERE d.id = (SELECT MIN(e.id) FROM dossiers e WHERE e.unit = d.unit) "
               "AND NOT EXISTS (SELECT 1 FROM units u WHERE u.code = d.unit)")


def downgrade() -> None:
    op.drop_index("ix_units_province", table_name="units")
    op.drop_table("units")
    op.create_table(
        "calendars_0005",
        sa.Column("id", sa.String(length=50), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # Ids global again: where two provinces share one, the first row kept wins.
    op.execute("INSERT INTO calendars_0005 (id, province, data, updated_at, updated_by) "
               "SELECT c.id, NULLIF(c.province, ''), c.data, c.updated_at, c.updated_by "
               "FROM calendars c WHERE c.province = (SELECT MIN(d.province) "
               "FROM calendars d WHERE d.id = c.id)")
    op.drop_table("calendars")
    op.rename_table("calendars_0005", "calendars")
    op.create_index("ix_calendars_province", "calendars", ["province"], unique=False)
