"""dossier search: each dossier keeps its applicant's name folded (lower case, without
diacritics) and identity number, indexed for `GET /dossiers?q=`

Existing dossiers are filled here, in batches, by the same functions intake uses
(engine.search). On PostgreSQL the name gets a trigram index (pg_trgm), which answers the
search's `LIKE '% word%'`; where the server has no pg_trgm the index is a plain one, the
search still answers, by a scan, and the migration says so in its log. SQLite: plain
indexes (the search scans there).

Revision ID: 0010
Revises: 0009
"""
import logging

from alembic import op
import sqlalchemy as sa

from engine.search import ID_NUMBER_LENGTH, NAME_LENGTH, stored_id_number, stored_name

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 1000
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.String(length=NAME_LENGTH),
                                      nullable=True))
        batch_op.add_column(sa.Column("search_id", sa.String(length=ID_NUMBER_LENGTH),
                                      nullable=True))
    _fill()
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigrams_available():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_dossier_search_name", "dossiers", ["search_name"],
                        postgresql_using="gin", postgresql_ops={"search_name": "gin_trgm_ops"})
    else:
        if bind.dialect.name == "postgresql":
            log.warning("pg_trgm is not available on this server: the dossier search by "
                        "applicant name will scan the dossiers (install the server's "
                        "contrib extensions and re-create ix_dossier_search_name)")
        op.create_index("ix_dossier_search_name", "dossiers", ["search_name"])
    op.create_index("ix_dossier_search_id", "dossiers", ["search_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_search_id", table_name="dossiers")
    op.drop_index("ix_dossier_search_name", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_column("search_id")
        batch_op.drop_column("search_name")


def _trigrams_available() -> bool:
    return op.get_bind().execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first() is not None


def _fill() -> None:
    """Every existing dossier's search columns, BATCH rows at a time in id order."""
    dossiers = sa.table("dossiers", sa.column("id", sa.Integer), sa.column("applicant", sa.JSON),
                        sa.column("search_name", sa.String), sa.column("search_id", sa.String))
    update = (sa.update(dossiers).where(dossiers.c.id == sa.bindparam("dossier_id"))
              .values(search_name=sa.bindparam("name"), search_id=sa.bindparam("number")))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(dossiers.c.id, dossiers.c.applicant)
                            .where(dossiers.c.id > last).order_by(dossiers.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        values = [{"dossier_id": row.id, "name": stored_name(row.applicant),
                   "number": stored_id_number(row.applicant)}
                  for row in rows if isinstance(row.applicant, dict)]
        if values:
            bind.execute(update, values)
        last = rows[-1].id
