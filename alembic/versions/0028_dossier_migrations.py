"""dossier migrations: running dossiers moved from one version of their process to another,
with the result per dossier

Revision ID: 0028
Revises: 0027
"""

from alembic import op
import sqlalchemy as sa

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("from_definition_id", sa.Integer(), nullable=False),
        sa.Column("to_definition_id", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["from_definition_id"], ["process_definitions.id"]),
        sa.ForeignKeyConstraint(["to_definition_id"], ["process_definitions.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dossier_migrations_process", "dossier_migrations",
                    ["province", "process_key", "id"])
    op.create_table(
        "dossier_migration_items",
        sa.Column("migration_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["migration_id"], ["dossier_migrations.id"]),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"]),
        sa.PrimaryKeyConstraint("migration_id", "dossier_id"),
    )
    op.create_index("ix_dossier_migration_items_status", "dossier_migration_items",
                    ["migration_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_dossier_migration_items_status", table_name="dossier_migration_items")
    op.drop_table("dossier_migration_items")
    op.drop_index("ix_dossier_migrations_process", table_name="dossier_migrations")
    op.drop_table("dossier_migrations")
