"""What the published figures read: sums of the counters (engine.stats.counters) over a
range of days of one province, and the province's open dossiers by timeliness now. Neither
reads a dossier that ended: the counters are a range of the primary key, the open
dossiers a range of `ix_dossier_province_status`."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select

from engine.stats.counters import COUNTERS
from engine.store.hot_path import HotPath
from engine.store.models import Dossier
from engine.store.models_stats import StatsCount

OPEN_STATUSES = ("in_process", "error")


@dataclass(frozen=True)
class Scope:
    """Which dossiers a figure counts: a province, optionally narrowed to procedures (a
    procedure, or those of a level), a receiving unit, a channel."""

    province: str
    procedures: tuple[str, ...] | None = None
    unit: str | None = None
    channel: str | None = None


class StatsReads(HotPath):
    def counted(self, scope: Scope, start: date | None, end: date, group_by: str | None,
                names: Sequence[str] = COUNTERS
                ) -> Sequence[tuple[str | None, dict[str, float]]]:
        """(group, sums of the counters `names`, plus `received_online`) over the days from
        `start` (None: from the first) to `end`, inclusive; one row per group (None: no
        grouping), none when nothing was counted."""
        table = StatsCount.__table__.c
        group = self._group_column(group_by)
        columns = [func.coalesce(func.sum(table[name]), 0).label(name) for name in names]
        online = func.coalesce(func.sum(case((table.channel == "online", table.received),
                                             else_=0)), 0).label("received_online")
        query: Select[Any] = select(group.label("grp"), *columns, online)
        query = query.where(table.province == scope.province, table.day <= end)
        if start is not None:
            query = query.where(table.day >= start)
        query = self._narrowed(query, table, scope, "procedure_code")
        if group_by is not None:
            query = query.group_by(group).order_by(group)
        rows = self.session.execute(query).mappings().all()
        return [(None if row["grp"] is None else str(row["grp"]),
                 {name: float(row[name]) for name in (*names, "received_online")})
                for row in rows if group_by is not None or row[names[0]] is not None]

    def open_counts(self, scope: Scope, now: datetime, group_by: str | None
                    ) -> Sequence[tuple[str | None, str, int]]:
        """(group, class, count) of the open dossiers at `now`: paused, overdue,
        approaching, within_time, or untimed (no statutory clock)."""
        d = Dossier.__table__.c
        timeliness = case(
            (d.paused_since.is_not(None), "paused"),
            (d.due_at.is_(None), "untimed"),
            (d.due_at < now, "overdue"),
            (d.warn_at <= now, "approaching"),
            else_="within_time").label("cls")
        column = {"procedure": func.coalesce(d.procedure_code, ""), "unit": d.unit,
                  "channel": d.channel}.get(group_by or "", literal(None))
        inner: Select[Any] = select(column.label("grp"), timeliness).where(
            d.province == scope.province, d.status.in_(OPEN_STATUSES))
        inner = self._narrowed(inner, d, scope, "procedure_code")
        sub = inner.subquery()
        rows = self.session.execute(
            select(sub.c.grp, sub.c.cls, func.count()).group_by(sub.c.grp, sub.c.cls)).all()
        return [(None if g is None else str(g), str(c), int(n)) for g, c, n in rows]

    def _group_column(self, group_by: str | None) -> Any:
        table = StatsCount.__table__.c
        if group_by == "month":
            return (func.to_char(table.day, "YYYY-MM") if self.postgresql
                    else func.strftime("%Y-%m", table.day))
        if group_by == "procedure":
            return table.procedure_code
        if group_by in ("unit", "channel"):
            return table[group_by]
        return literal(None)

    @staticmethod
    def _narrowed(query: Select[Any], table: Any, scope: Scope, procedure: str) -> Select[Any]:
        if scope.procedures is not None:
            query = query.where(table[procedure].in_(scope.procedures))
        if scope.unit is not None:
            query = query.where(table.unit == scope.unit)
        if scope.channel is not None:
            query = query.where(table.channel == scope.channel)
        return query
