"""The counters of the published figures (engine.stats.counters), one row per province ×
local day × procedure × receiving unit × channel, upserted by the command that changes a
counted state, in its own transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

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
