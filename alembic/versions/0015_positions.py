"""positions as data: the platform's (province "") and each province's own

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PLATFORM_POSITIONS = [
    ("reception", "Công chức tiếp nhận và trả kết quả"),
    ("specialist", "Chuyên viên thụ lý hồ sơ"),
    ("head_of_department", "Lãnh đạo phòng, đơn vị chuyên môn"),
    ("leader", "Lãnh đạo cơ quan có thẩm quyền"),
    ("clerk", "Văn thư"),
    ("officer", "Cán bộ, công chức (mọi bước không chỉ định vị trí)"),
]


def upgrade() -> None:
    positions = op.create_table(
        "positions",
        sa.Column("province", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("province", "code"),
    )
    op.bulk_insert(positions, [{"province": "", "code": code, "name": name}
                               for code, name in PLATFORM_POSITIONS])


def downgrade() -> None:
    op.drop_table("positions")
