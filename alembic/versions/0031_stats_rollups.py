"""stats: digitisation, payments and the portal's pushes counted; a province's counters
per day, and the keyed counters per month and per year, kept beside the keyed ones; the dossiers open now kept as counts by key, due day
and warning day, with the indexes that split today at the moment of a figure

Revision ID: 0031
Revises: 0030
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

NEW_COUNTS = ("digitised", "results_electronic", "payments", "payments_online",
              "portal_synced", "portal_pushes", "portal_pushes_timely")
COUNTS = ("received", "finished_early", "finished_on_time", "finished_late",
          "finished_untimed", "refused", "multi_supplement", "withdrawn", "stopped",
          "processing_count", "rated_1", "rated_2", "rated_3", "rated_4", "rated_5",
          "complaints", "unhappy", *NEW_COUNTS)
RUNNING = "status IN ('in_process', 'error') AND paused_since IS NULL"


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    for name in NEW_COUNTS:
        op.add_column("stats_counts", _count(name))
    op.add_column("dossiers", sa.Column("files_kept", sa.SmallInteger(), nullable=False,
                                        server_default="0"))
    op.create_table(
        "stats_counts_province",
        sa.Column("province", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        _count("received_online"),
        *(_count(name) for name in COUNTS),
        sa.Column("processing_hours", sa.Double(), nullable=False, server_default="0"))
    op.create_table(
        "stats_counts_span",
        sa.Column("province", sa.String(50), primary_key=True),
        sa.Column("span", sa.String(5), primary_key=True),
        sa.Column("start", sa.Date(), primary_key=True),
        sa.Column("procedure_code", sa.String(100), primary_key=True),
        sa.Column("unit", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        *(_count(name) for name in COUNTS),
        sa.Column("processing_hours", sa.Double(), nullable=False, server_default="0"))
    op.create_table(
        "stats_open",
        sa.Column("province", sa.String(50), primary_key=True),
        sa.Column("procedure_code", sa.String(100), primary_key=True),
        sa.Column("unit", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        _count("n"))
    op.create_table(
        "stats_open_province",
        sa.Column("province", sa.String(50), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        _count("n"))
    for table in ("stats_open", "stats_open_province"):
        op.create_index(f"ix_{table}_empty", table, ["province"],
                        postgresql_where=sa.text("n = 0"), sqlite_where=sa.text("n = 0"))
    for name, column in (("ix_dossier_open_due", "due_at"), ("ix_dossier_open_warn", "warn_at")):
        op.create_index(name, "dossiers", ["province", column],
                        postgresql_where=sa.text(RUNNING), sqlite_where=sa.text(RUNNING))
    _backfill()


def _backfill() -> None:
    """What the stored dossiers already say: the papers and results kept as files (their
    digitisation counted as the commands count it), the province's days summed from the
    keyed counters, and the open dossiers counted by their parts. Payments and the portal's
    pushes before this revision are not counted (docs/indicators.md)."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE dossiers SET files_kept = "
        "(CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.dossier_id = dossiers.id AND "
        " d.file_key IS NOT NULL AND d.kind <> 'result') THEN 1 ELSE 0 END) + "
        "(CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.dossier_id = dossiers.id AND "
        " d.file_key IS NOT NULL AND d.kind = 'result') THEN 2 ELSE 0 END) "
        "WHERE id IN (SELECT dossier_id FROM documents WHERE file_key IS NOT NULL)"))
    from engine.stats import counters as c
    from engine.stats import open_parts as o

    rows = bind.execute(sa.text(
        "SELECT province, received_at, finished_at, status, procedure_code, unit, channel, "
        "files_kept, paused_since, due_at, warn_at FROM dossiers "
        "WHERE files_kept > 0 OR status IN ('in_process', 'error')")).mappings().all()
    deltas = []
    moves = []
    for row in rows:
        def key(at: object, row: object = row) -> c.Key:
            r: dict = row  # type: ignore[assignment]
            return c.Key(r["province"], c.local_day(_aware(at)), r["procedure_code"] or "",
                         r["unit"], r["channel"])
        kept = row["files_kept"] or 0
        if kept & c.PAPERS_KEPT:
            deltas.append((key(row["received_at"]), c.on_digitised()))
        if kept & c.RESULT_KEPT and row["status"] == "finished" and row["finished_at"]:
            deltas.append((key(row["finished_at"]), {"results_electronic": 1}))
        aware = {**row, **{n: _aware(row[n]) if row[n] is not None else None
                           for n in ("paused_since", "due_at", "warn_at")}}
        moves += o.deltas(None, aware)
    for k, d in c.merged(deltas):
        bind.execute(sa.text(
            "UPDATE stats_counts SET digitised = digitised + :d, results_electronic = "
            "results_electronic + :r WHERE province = :p AND day = :day AND "
            "procedure_code = :proc AND unit = :u AND channel = :ch"),
            {"d": d.get("digitised", 0), "r": d.get("results_electronic", 0),
             "p": k.province, "day": k.day, "proc": k.procedure, "u": k.unit,
             "ch": k.channel})
        # a dossier counted here was received, so its day's row exists (migration 0027)
    names = ", ".join(COUNTS)
    sums = ", ".join(f"sum({n})" for n in COUNTS)
    bind.execute(sa.text(
        f"INSERT INTO stats_counts_province (province, day, received_online, {names}, "
        f"processing_hours) SELECT province, day, "
        f"sum(CASE WHEN channel = 'online' THEN received ELSE 0 END), {sums}, "
        f"sum(processing_hours) FROM stats_counts GROUP BY province, day"))
    pg = bind.dialect.name == "postgresql"
    for span in ("month", "year"):
        first = (f"CAST(date_trunc('{span}', day) AS date)" if pg
                 else f"date(day, 'start of {span}')")
        bind.execute(sa.text(
            f"INSERT INTO stats_counts_span (province, span, start, procedure_code, unit, "
            f"channel, {names}, processing_hours) SELECT province, '{span}', {first}, "
            f"procedure_code, unit, channel, {sums}, sum(processing_hours) FROM stats_counts "
            f"GROUP BY province, {first}, procedure_code, unit, channel"))
    merged = o.merged(moves)
    if merged:
        op.bulk_insert(_table("stats_open", "province", "procedure_code", "unit", "channel",
                              "kind", "day", "n"),
                       [{"province": k.province, "procedure_code": k.procedure,
                         "unit": k.unit, "channel": k.channel, "kind": k.kind, "day": k.day,
                         "n": n} for k, n in merged])
        whole: dict[tuple[str, str, date], int] = {}
        for k, n in merged:
            whole[(k.province, k.kind, k.day)] = whole.get((k.province, k.kind, k.day), 0) + n
        op.bulk_insert(_table("stats_open_province", "province", "kind", "day", "n"),
                       [{"province": p, "kind": kind, "day": day, "n": n}
                        for (p, kind, day), n in whole.items()])


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(n) for n in columns))


def _aware(at: object) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    assert isinstance(at, datetime)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_index("ix_dossier_open_warn", "dossiers")
    op.drop_index("ix_dossier_open_due", "dossiers")
    op.drop_table("stats_open_province")
    op.drop_table("stats_open")
    op.drop_table("stats_counts_span")
    op.drop_table("stats_counts_province")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("files_kept")
    with op.batch_alter_table("stats_counts") as batch:
        for name in NEW_COUNTS:
            batch.drop_column(name)
