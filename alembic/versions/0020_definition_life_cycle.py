"""process definitions: a life cycle (draft, active, retired; one active version per process
and province) and the record of every change of state

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False,
                                      server_default="active"))
    # Until now new dossiers started on the latest version: it stays active, the older
    # ones are retired (each may be activated again).
    op.execute(
        "UPDATE process_definitions SET status = 'retired' WHERE version < ("
        "SELECT max(p.version) FROM process_definitions p "
        "WHERE p.province = process_definitions.province AND p.key = process_definitions.key)")
    op.create_index("uq_definition_active", "process_definitions", ["province", "key"],
                    unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
    op.create_table(
        "definition_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definitions.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_definition_transitions_definition", "definition_transitions",
                    ["definition_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_definition_transitions_definition", table_name="definition_transitions")
    op.drop_table("definition_transitions")
    op.drop_index("uq_definition_active", table_name="process_definitions")
    with op.batch_alter_table("process_definitions") as batch_op:
        batch_op.drop_column("status")
