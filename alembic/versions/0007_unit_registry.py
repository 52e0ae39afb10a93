"""unit registry: units get their name, kind, parent; kinds of unit as data; principals
can be disabled, their tokens expire, are rotated or revoked, and they hold further
memberships

The platform's kinds of unit are rows of province "" (every province sees them); their
levels name both today's two levels of local government and the older three.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PLATFORM_KINDS = [
    ("provincial_committee", "Ủy ban nhân dân tỉnh, thành phố", "province"),
    ("provincial_centre", "Trung tâm Phục vụ hành chính công tỉnh", "province"),
    ("department", "Sở, ban, ngành", "province"),
    ("vertical_branch", "Cơ quan ngành dọc đặt tại địa phương", "province"),
    ("district_committee", "Ủy ban nhân dân cấp huyện", "district"),
    ("commune_committee", "Ủy ban nhân dân xã, phường, đặc khu", "commune"),
    ("commune_centre", "Trung tâm Phục vụ hành chính công xã, phường", "commune"),
]


def upgrade() -> None:
    with op.batch_alter_table("principals") as batch_op:
        batch_op.add_column(sa.Column("token_issued_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("token_expires_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("units") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("parent", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("registered_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("updated_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_units_updated_by", "principals",
                                    ["updated_by"], ["id"])
    op.create_table(
        "memberships",
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["principal_id"], ["principals.id"]),
        sa.PrimaryKeyConstraint("principal_id", "unit", "position"),
    )
    kinds = op.create_table(
        "unit_kinds",
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("province", "code"),
    )
    op.bulk_insert(kinds, [{"province": "", "code": code, "name": name, "level": level}
                           for code, name, level in PLATFORM_KINDS])


def downgrade() -> None:
    op.drop_table("unit_kinds")
    op.drop_table("memberships")
    with op.batch_alter_table("units") as batch_op:
        batch_op.drop_constraint("fk_units_updated_by", type_="foreignkey")
        for column in ("updated_by", "updated_at", "registered_at", "parent",
                       "kind", "name"):
            batch_op.drop_column(column)
    with op.batch_alter_table("principals") as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("token_expires_at")
        batch_op.drop_column("token_issued_at")


