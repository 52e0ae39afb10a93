"""dossiers: the word prefixes of the applicant's folded name, for the name search on
PostgreSQL (`name_prefixes @> ARRAY[words]`, a GIN index: one index key per query word)

The trigram index of 0010 answered `LIKE '% word%'` by a dozen trigrams per word, each held
by a third of the dossiers for common names (`ngu`, `guy`, `uye` …): about 130 ms at
1 000 000 dossiers before a row was read. It is dropped (on SQLite the plain index on
`search_name` never served `LIKE '% …'` either). Existing dossiers get their prefixes here,
in batches, by the function intake uses (engine.search.word_prefixes). On SQLite the column
stays NULL: its search scans `search_name`.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from engine.search import word_prefixes

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column(
            "name_prefixes", postgresql.ARRAY(sa.Text) if postgres else sa.Text, nullable=True))
    op.drop_index("ix_dossier_search_name", table_name="dossiers")
    if postgres:
        _fill()
    op.create_index("ix_dossier_name_prefixes", "dossiers", ["name_prefixes"],
                    postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_dossier_name_prefixes", table_name="dossiers")
    bind = op.get_bind()
    trigrams = bind.dialect.name == "postgresql" and bind.execute(sa.text(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
    if trigrams:
        op.create_index("ix_dossier_search_name", "dossiers", ["search_name"],
                        postgresql_using="gin", postgresql_ops={"search_name": "gin_trgm_ops"})
    else:
        op.create_index("ix_dossier_search_name", "dossiers", ["search_name"])
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("name_prefixes")


def _fill() -> None:
    """Every named dossier's prefixes, BATCH rows at a time in id order."""
    dossiers = sa.table("dossiers", sa.column("id", sa.Integer),
                        sa.column("search_name", sa.String),
                        sa.column("name_prefixes", postgresql.ARRAY(sa.Text)))
    update = (sa.update(dossiers).where(dossiers.c.id == sa.bindparam("dossier_id"))
              .values(name_prefixes=sa.bindparam("prefixes")))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(dossiers.c.id, dossiers.c.search_name)
                            .where(dossiers.c.id > last).order_by(dossiers.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        values = [{"dossier_id": row.id, "prefixes": word_prefixes(row.search_name)}
                  for row in rows if row.search_name is not None]
        if values:
            bind.execute(update, values)
        last = rows[-1].id
