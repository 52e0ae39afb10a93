"""What the published figures read: sums of the counters (engine.stats.counters) over a
range of days of one province, and the counts of the dossiers open now
(engine.stats.open_parts). A whole province's figures read the rows kept per province
(a row a day); a narrowed or grouped one reads the keyed rows, a range of their primary
key. Only the open dossiers due or warned today are visited, to split today at `now`, by
the partial indexes `ix_dossier_open_due` and `ix_dossier_open_warn`."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, literal, or_, select, text

from engine.calendar.timeline import FIRST_YEAR
from engine.stats.counters import COUNTERS
from engine.stats.open_parts import classes, day_start
from engine.stats.spans import cover
from engine.store.hot_path import HotPath
from engine.store.models import RUNNING, Dossier
from engine.store.models_stats import (
    StatsCount,
    StatsCountProvince,
    StatsCountSpan,
    StatsOpen,
    StatsOpenProvince,
)


@dataclass(frozen=True)
class Scope:
    """Which dossiers a figure counts: a province, optionally narrowed to procedures (a
    procedure, or those of a level), a receiving unit, a channel."""

    province: str
    procedures: tuple[str, ...] | None = None
    unit: str | None = None
    channel: str | None = None

    @property
    def whole(self) -> bool:
        return self.procedures is None and self.unit is None and self.channel is None


class StatsReads(HotPath):
    def counted(self, scope: Scope, start: date | None, end: date, group_by: str | None,
                names: Sequence[str] = COUNTERS
                ) -> Sequence[tuple[str | None, dict[str, float]]]:
        """(group, sums of the counters `names`, plus `received_online`) over the days from
        `start` (None: from the first) to `end`, inclusive; one row per group (None: no
        grouping), none when nothing was counted. A whole province reads its days; a
        narrowed or grouped figure the keyed rows of whole years, whole months and the
        days at the edges (engine.stats.spans)."""
        first = start or date(FIRST_YEAR, 1, 1)
        if scope.whole and group_by in (None, "month"):
            t = StatsCountProvince.__table__.c
            return self._sums(t, t.day, [and_(t.day >= first, t.day <= end)], scope,
                              group_by, names, online=t.received_online, narrow=False)
        parts = cover(first, end, years=group_by != "month")
        d = StatsCount.__table__.c
        online = case((d.channel == "online", d.received), else_=0)
        found = self._sums(d, d.day, [and_(d.day >= lo, d.day <= hi) for lo, hi in parts.days],
                           scope, group_by, names, online=online)
        s = StatsCountSpan.__table__.c
        online = case((s.channel == "online", s.received), else_=0)
        found += self._sums(s, s.start, [
            and_(s.span == span, s.start >= lo, s.start <= hi)
            for span, ranges in (("month", parts.months), ("year", parts.years))
            for lo, hi in ranges], scope, group_by, names, online=online)
        out: dict[str | None, dict[str, float]] = {}
        for grp, sums in found:
            into = out.setdefault(grp, dict.fromkeys(sums, 0.0))
            for name, value in sums.items():
                into[name] += value
        return sorted(out.items(), key=lambda item: item[0] or "")

    def _sums(self, table: Any, day: Any, ranges: list[Any], scope: Scope,
              group_by: str | None, names: Sequence[str], *, online: Any,
              narrow: bool = True) -> list[tuple[str | None, dict[str, float]]]:
        if not ranges:
            return []
        group = self._group_column(table, day, group_by)
        columns = [func.coalesce(func.sum(table[name]), 0).label(name) for name in names]
        query: Select[Any] = select(group.label("grp"), *columns,
                                    func.coalesce(func.sum(online), 0).label("received_online"))
        query = query.where(table.province == scope.province, or_(*ranges))
        if narrow:
            query = self._narrowed(query, table, scope, "procedure_code")
        if group_by is not None:
            query = query.group_by(group).order_by(group)
        rows = self.session.execute(query).mappings().all()
        return [(None if row["grp"] is None else str(row["grp"]),
                 {name: float(row[name]) for name in (*names, "received_online")})
                for row in rows if group_by is not None or row[names[0]] is not None]

    def open_counts(self, scope: Scope, now: datetime, group_by: str | None
                    ) -> dict[str | None, dict[str, int]]:
        """{group: {class: count}} of the open dossiers at `now`: within_time,
        approaching, overdue, paused, untimed (engine.stats.open_parts)."""
        whole = scope.whole and group_by is None
        table = (StatsOpenProvince if whole else StatsOpen).__table__.c
        group = literal(None) if group_by is None else self._group_column(table, table.day,
                                                                           group_by)
        today = day_start(now).date()
        query: Select[Any] = select(
            group.label("grp"), table.kind,
            func.sum(table.n).label("kept"),
            func.sum(case((table.day < today, table.n), else_=0)).label("before"),
        ).where(table.province == scope.province).group_by(group, table.kind)
        if not whole:
            query = self._narrowed(query, table, scope, "procedure_code")
        kept: dict[str | None, dict[str, int]] = {}
        before: dict[str | None, dict[str, int]] = {}
        for grp, kind, n, b in self.session.execute(query).all():
            g = None if grp is None else str(grp)
            kept.setdefault(g, {})[kind] = int(n or 0)
            before.setdefault(g, {})[kind] = int(b or 0) if kind not in ("paused", "untimed") \
                else 0
        split = self._today(scope, now, group_by)
        return {g: classes(kept[g], before.get(g, {}), split.get(g, {})) for g in kept}

    def drop_empty_open_rows(self) -> int:
        """Delete the open dossiers' rows that moves left at zero (partial indexes on
        `n = 0`); an UPSERT racing with it inserts the row again. Returns how many."""
        gone = 0
        for model in (StatsOpen, StatsOpenProvince):
            # `n = 0` as text: the partial index's predicate, which a bound 0 would not match
            done: Any = self.session.execute(delete(model).where(text("n = 0")))
            gone += done.rowcount or 0
        return gone

    def _today(self, scope: Scope, now: datetime, group_by: str | None
               ) -> dict[str | None, dict[str, int]]:
        """Today's running dossiers past their due instant (`due`), warned by now
        (`warn`), and both (`warned_due`)."""
        d = Dossier.__table__.c
        start = day_start(now)
        due_past = (d.due_at >= start) & (d.due_at < now)
        warned = (d.warn_at >= start) & (d.warn_at <= now)
        group = {"procedure": func.coalesce(d.procedure_code, ""), "unit": d.unit,
                 "channel": d.channel}.get(group_by or "", literal(None))
        query: Select[Any] = select(
            group.label("grp"),
            func.sum(case((due_past, 1), else_=0)),
            func.sum(case((warned, 1), else_=0)),
            func.sum(case((due_past & d.warn_at.is_not(None), 1), else_=0)),
        ).where(d.province == scope.province, RUNNING, or_(due_past, warned)).group_by(group)
        query = self._narrowed(query, d, scope, "procedure_code")
        return {None if g is None else str(g): {"due": int(a or 0), "warn": int(b or 0),
                                                "warned_due": int(c or 0)}
                for g, a, b, c in self.session.execute(query).all()}

    def _group_column(self, table: Any, day: Any, group_by: str | None) -> Any:
        if group_by == "month":
            return (func.to_char(day, "YYYY-MM") if self.postgresql
                    else func.strftime("%Y-%m", day))
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

