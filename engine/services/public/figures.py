"""The published figures and the Decision 766 indicators of a province, for anyone: only
counts, never a dossier or an applicant. Read from the counters the commands keep
(engine.services.flow.tallies) and the counts of the open dossiers their writes keep
(engine.stats.open_parts); of the dossiers themselves only those due or warned today are
read, to split today at the moment of the request."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from engine.calendar.timeline import FIRST_YEAR, LAST_YEAR
from engine.deadlines.rules import LEVELS
from engine.errors import InvalidInput
from engine.services.context import Context
from engine.stats import figures as f
from engine.stats.counters import COUNTERS, ENDED, local_day
from engine.stats.indicators import indicators
from engine.store import org
from engine.store.stats_reads import Scope
from engine.store.uow import UnitOfWork

GROUPS = ("procedure", "unit", "channel", "month")
MAX_DAYS = 3660
MAX_CHOICES = 5000  # units of a province offered (a province has a few hundred)
CARRIED = ("received", *ENDED)  # what the days before a period are summed for


def period_of(ctx: Context, start: date | None, end: date | None) -> tuple[date, date]:
    """The days asked for; by default this year up to today (Vietnam's time)."""
    today = local_day(ctx.clock.now())
    end = end or today
    start = start or end.replace(month=1, day=1)
    out = [{"field": field, "message": f"a day in the years {FIRST_YEAR}-{LAST_YEAR}"}
           for field, day in (("from", start), ("to", end))
           if not FIRST_YEAR <= day.year <= LAST_YEAR]
    if out:
        raise InvalidInput("the period is out of range", errors=out)
    if start > end:
        raise InvalidInput("the period ends before it starts", errors=[
            {"field": "to", "message": "on or after `from`"}])
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput("the period is too long", errors=[
            {"field": "to", "message": f"at most {MAX_DAYS} days after `from`"}])
    return start, end


def published(ctx: Context, *, province: str, start: date | None = None,
              end: date | None = None, procedure: str | None = None, unit: str | None = None,
              level: str | None = None, channel: str | None = None,
              group_by: str | None = None) -> dict[str, Any]:
    if group_by is not None and group_by not in GROUPS:
        raise InvalidInput("unknown grouping", errors=[
            {"field": "group_by", "message": f"one of {', '.join(GROUPS)}"}])
    if level is not None and level not in LEVELS:
        raise InvalidInput("unknown level", errors=[
            {"field": "level", "message": f"one of {', '.join(LEVELS)}"}])
    start, end = period_of(ctx, start, end)
    with ctx.uow(readonly=True) as uow:
        scope = _scope(uow, province, procedure, unit, level, channel)
        total, groups = _figures(uow, scope, start, end, group_by, ctx)
    return {"province": province, "from": start.isoformat(), "to": end.isoformat(),
            "filters": {"procedure": procedure, "unit": unit, "level": level,
                        "channel": channel},
            "group_by": group_by, "total": total,
            "groups": [{"group": g, **figs} for g, figs in groups]}


def indicators_of(ctx: Context, *, province: str, start: date | None = None,
                  end: date | None = None) -> dict[str, Any]:
    figs = published(ctx, province=province, start=start, end=end)
    return {"province": province, "from": figs["from"], "to": figs["to"],
            **indicators(figs["total"])}


def choices(ctx: Context, province: str) -> dict[str, Any]:
    """What the figures of a province may be narrowed to, by name: its registered units and
    its procedures (public facts, no figure)."""
    with ctx.uow(readonly=True) as uow:
        _, units = org.units(uow.session, province, registered=True, limit=MAX_CHOICES,
                             offset=0)
        procedures = uow.repo.procedures(province)
        return {"province": province,
                "units": [{"code": u.code, "name": u.name} for u in units],
                "procedures": [{"code": p.code, "name": (p.data or {}).get("name"),
                                "level": (p.data or {}).get("level")} for p in procedures]}


def provinces(ctx: Context) -> list[str]:
    """The provinces whose figures there may be: those with registered units."""
    with ctx.uow(readonly=True) as uow:
        return list(org.provinces(uow.session))


def _scope(uow: UnitOfWork, province: str, procedure: str | None, unit: str | None,
           level: str | None, channel: str | None) -> Scope:
    codes: tuple[str, ...] | None = None
    if level is not None:
        codes = tuple(p.code for p in uow.repo.procedures(province)
                      if (p.data or {}).get("level") == level)
    if procedure is not None:
        codes = tuple(c for c in (codes if codes is not None else (procedure,))
                      if c == procedure)
    return Scope(province, codes, unit, channel)


def _figures(uow: UnitOfWork, scope: Scope, start: date, end: date, group_by: str | None,
             ctx: Context) -> tuple[dict[str, Any], list[tuple[str | None, dict[str, Any]]]]:
    """The scope's figures and its groups', in one pass over the counters of the period and
    one over those before it (the total is the sum of the groups)."""
    repo = uow.repo
    period = dict(repo.counted(scope, start, end, group_by))
    before = {g: f.carried_over(s) for g, s in repo.counted(
        scope, None, start - timedelta(days=1), None if group_by == "month" else group_by,
        CARRIED)}
    now = repo.open_counts(scope, ctx.clock.now(), None if group_by == "month" else group_by)
    total_sums = _zeros()
    for sums in period.values():
        for name, value in sums.items():
            total_sums[name] += value
    total_now: dict[str, int] = {}
    for counts in now.values():
        for cls, n in counts.items():
            total_now[cls] = total_now.get(cls, 0) + n
    total = f.figures(total_sums, sum(before.values()), total_now)
    if group_by is None:
        return total, []
    if group_by == "month":
        return total, list(f.by_month([(str(g), s) for g, s in period.items()],
                                      before.get(None, 0)))
    keys = sorted(set(period) | set(before) | set(now), key=lambda k: k or "")
    return total, [(g, f.figures(period.get(g) or _zeros(), before.get(g, 0), now.get(g, {})))
                   for g in keys]


def _zeros() -> dict[str, float]:
    return dict.fromkeys((*COUNTERS, "received_online"), 0.0)


def drop_empty_open_rows(ctx: Context) -> int:
    """The sweeper's part in the figures: the open dossiers' rows left at zero (a day whose
    dossiers all ended) are deleted, so the counts read stay as many as the days that have
    open dossiers. Returns how many rows went."""
    with ctx.uow() as uow:
        gone = uow.repo.drop_empty_open_rows()
        uow.commit()
    return gone
