"""task claims: a task may be held (claimed by an officer of its lane, or assigned by a
head of department or leader of its unit); only its holder completes it

An index on (holder_id, status) finds the tasks an officer holds for the inbox.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("holder_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("held_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("assigned_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_tasks_holder_id", "principals", ["holder_id"], ["id"])
        batch_op.create_foreign_key("fk_tasks_assigned_by", "principals", ["assigned_by"],
                                    ["id"])
        batch_op.create_index("ix_task_holder", ["holder_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_index("ix_task_holder")
        batch_op.drop_constraint("fk_tasks_assigned_by", type_="foreignkey")
        batch_op.drop_constraint("fk_tasks_holder_id", type_="foreignkey")
        for column in ("assigned_by", "held_since", "holder_id"):
            batch_op.drop_column(column)
