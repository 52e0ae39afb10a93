"""stats counters: the published figures per province, local day, procedure, receiving
unit and channel, kept up to date by the commands that change them

Revision ID: 0027
Revises: 0026
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

COUNTS = ("received", "finished_early", "finished_on_time", "finished_late",
          "finished_untimed", "refused", "multi_supplement", "withdrawn", "stopped",
          "processing_count", "rated_1", "rated_2", "rated_3", "rated_4", "rated_5",
          "complaints", "unhappy")


def upgrade() -> None:
    op.create_table(
        "stats_counts",
        sa.Column("province", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("procedure_code", sa.String(100), primary_key=True),
        sa.Column("unit", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0")
          for name in COUNTS),
        sa.Column("processing_hours", sa.Double(), nullable=False, server_default="0"),
    )
    # Counters of the dossiers already stored, so the figures start complete.
    _backfill()


def _backfill() -> None:
    """Received, ended and rated dossiers as the counters would have counted them. The
    processing time of dossiers finished before this revision is not known in working
    hours: they are left out of the average (processing_count stays 0 for them)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT province, received_at, finished_at, status, procedure_code, unit, channel, "
        "timeliness, pause_count, portal_status FROM dossiers")).mappings().all()
    ratings = bind.execute(sa.text(
        "SELECT d.province, r.rated_at, d.procedure_code, d.unit, d.channel, r.level, "
        "r.complaint FROM ratings r JOIN dossiers d ON d.id = r.dossier_id")).mappings().all()
    from engine.stats import counters as c  # the same rules as the commands

    deltas = []
    for row in rows:
        def key(at: object) -> object:
            return c.Key(row["province"], c.local_day(_aware(at)), row["procedure_code"] or "",
                         row["unit"], row["channel"])
        deltas.append((key(row["received_at"]), c.on_received()))
        if row["status"] == "finished" and row["finished_at"] is not None:
            deltas.append((key(row["finished_at"]), c.on_finished(
                row["timeliness"], row["pause_count"] or 0, row["portal_status"], None)))
        elif row["status"] in ("withdrawn", "stopped") and row["finished_at"] is not None:
            deltas.append((key(row["finished_at"]), c.on_ended(row["status"])))
    for row in ratings:
        deltas.append((c.Key(row["province"], c.local_day(_aware(row["rated_at"])),
                             row["procedure_code"] or "", row["unit"], row["channel"]),
                       c.on_rated(row["level"], bool(row["complaint"]))))
    # The counters of this revision (later ones add more to engine.stats.counters).
    table = sa.table("stats_counts", *(sa.column(n) for n in (
        "province", "day", "procedure_code", "unit", "channel", *COUNTS)))
    merged = c.merged(deltas)
    if merged:
        op.bulk_insert(table, [
            {"province": k.province, "day": k.day, "procedure_code": k.procedure,
             "unit": k.unit, "channel": k.channel, **{n: d.get(n, 0) for n in COUNTS}}
            for k, d in merged])


def _aware(at: object) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    assert isinstance(at, datetime)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_table("stats_counts")
