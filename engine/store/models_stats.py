"""The counters of the published figures (engine.stats.counters), one row per province ×
local day × procedure × receiving unit × channel, upserted by the command that changes a
counted state, in its own transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Double, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.stats.counters import COUNTERS
from engine.store.models import Base


class StatsCount(Base):
    __tablename__ = "stats_counts"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_early: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_untimed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    multi_supplement: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stopped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processing_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processing_hours: Mapped[float] = mapped_column(Double, default=0.0, server_default="0")
    rated_1: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rated_2: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rated_3: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rated_4: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rated_5: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    complaints: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unhappy: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digitised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    results_electronic: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    payments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    payments_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    portal_synced: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    portal_pushes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    portal_pushes_timely: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsCountProvince(Base):
    """The same counters summed over a province's day (and `received_online`), kept with
    them: a province's figures read a row a day, whatever the number of keys."""

    __tablename__ = "stats_counts_province"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    received_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


for _name in COUNTERS:  # every counter of stats_counts, with its type
    setattr(StatsCountProvince, _name, mapped_column(
        _name, Double if _name == "processing_hours" else Integer, nullable=False,
        default=0, server_default="0"))


class StatsOpen(Base):
    """The dossiers open now by key and part (engine.stats.open_parts): paused, untimed, or
    due (and warned) on a local day; moved by the writes that move a dossier."""

    __tablename__ = "stats_open"
    # The rows a dossier's moves left at zero (a day whose dossiers all ended), for the
    # sweep that drops them: without it the table would grow with every day ever due.
    __table_args__ = (Index("ix_stats_open_empty", "province", postgresql_where=text("n = 0"),
                            sqlite_where=text("n = 0")),)
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsOpenProvince(Base):
    """The same, summed over the province."""

    __tablename__ = "stats_open_province"
    __table_args__ = (Index("ix_stats_open_province_empty", "province",
                            postgresql_where=text("n = 0"), sqlite_where=text("n = 0")),)
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsCountSpan(Base):
    """The keyed counters summed per month and per year (`span`, from its first day
    `start`), kept with them (engine.stats.spans): a year of a unit reads a row per key."""

    __tablename__ = "stats_counts_span"
    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    span: Mapped[str] = mapped_column(String(5), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)


for _name in COUNTERS:
    setattr(StatsCountSpan, _name, mapped_column(
        _name, Double if _name == "processing_hours" else Integer, nullable=False,
        default=0, server_default="0"))
