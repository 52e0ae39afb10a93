"""Daily anchors of the history (issue: an auditor must detect a whole dossier deleted or
rewound, which its own chain cannot show). For each province and each day that has ended,
an anchor stores a digest over the chain heads that moved that day (the last event of that
day of each dossier that had one), chained to the anchor before it
(`engine.history.anchor_digest`). Deleting a dossier changes the anchor of every day it had
events; rewinding one, or re-sealing its chain after an altered event, changes the anchor of
the day of its (new or old) head. Covering only the day's heads keeps an anchor's cost that
of the day's work, not of the province's whole record; anchors written before (scheme 1)
cover every dossier's head and are verified as they were written. Workers write the anchors of the days
that ended during their sweep; `motcua history anchor` does the same by hand. Verifying
re-computes each from the history rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.codes import LOCAL_TZ
from engine.history import GENESIS, anchor_digest
from engine.services.context import Context
from engine.store.models import HistoryAnchor
from engine.store.uow import IntegrityError, UnitOfWork

SCHEME = 2  # what the anchors written now cover: the heads that moved that day
MAX_DAYS_PER_RUN = 62  # a province catching up after a long pause does it over a few sweeps


@dataclass(frozen=True)
class AnchorProblem:
    province: str
    day: date
    reason: str
    code: str = "anchor_altered"  # or "anchor_unlinked": for the pages to say in their words


def end_of(day: date) -> datetime:
    """Midnight after `day`, in Vietnam's time."""
    return datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ)


def _heads(uow: UnitOfWork, province: str, day: date, scheme: int
           ) -> list[tuple[str, int, str]]:
    if scheme == 1:
        return uow.repo.heads_before(province, end_of(day))
    return uow.repo.heads_of_day(province, end_of(day - timedelta(days=1)), end_of(day))


def anchor_due(ctx: Context, province: str | None = None) -> list[tuple[str, date]]:
    """Anchor every day that has ended and has no anchor yet (from the province's first
    dossier on), at most MAX_DAYS_PER_RUN per province. Returns what was anchored. Safe in
    several processes at once: one anchor per province and day is ever stored."""
    today = ctx.clock.now().astimezone(LOCAL_TZ).date()
    done: list[tuple[str, date]] = []
    with ctx.uow(readonly=True) as uow:
        provinces = [province] if province else list(uow.repo.provinces())
    for p in provinces:
        with ctx.uow(readonly=True) as uow:
            stored = list(uow.repo.anchors(p))
            first = uow.repo.first_reception(p)
        if first is None:
            continue
        day = stored[-1].day + timedelta(days=1) if stored else \
            first.astimezone(LOCAL_TZ).date()
        prev = stored[-1].digest if stored else GENESIS
        while day < today and len(done) < MAX_DAYS_PER_RUN:
            prev = _anchor(ctx, p, day, prev)
            done.append((p, day))
            day += timedelta(days=1)
    return done


def _anchor(ctx: Context, province: str, day: date, prev: str) -> str:
    with ctx.uow() as uow:
        heads = _heads(uow, province, day, SCHEME)
        digest = anchor_digest(prev, heads)
        uow.repo.add(HistoryAnchor(province=province, day=day, digest=digest, prev_digest=prev,
                                   dossiers=len(heads), created_at=ctx.clock.now(),
                                   scheme=SCHEME))
        try:
            uow.commit()
        except IntegrityError:  # another process anchored it first: theirs stands
            pass
    with ctx.uow(readonly=True) as uow:
        stored = [a for a in uow.repo.anchors(province) if a.day == day]
    return stored[0].digest if stored else digest


def verify_anchors(ctx: Context, province: str, since: date | None = None
                   ) -> list[AnchorProblem]:
    """Every anchor of the province re-computed from the history rows as they are now, and
    each linked to the one before it."""
    problems = []
    with ctx.uow(readonly=True) as uow:
        anchors = list(uow.repo.anchors(province))
    prev = GENESIS
    for anchor in anchors:
        if anchor.prev_digest != prev:
            problems.append(AnchorProblem(province, anchor.day,
                                          "not linked to the anchor before it",
                                          "anchor_unlinked"))
        if since is None or anchor.day >= since:
            with ctx.uow(readonly=True) as uow:
                heads = _heads(uow, province, anchor.day, anchor.scheme)
            if anchor_digest(anchor.prev_digest, heads) != anchor.digest:
                problems.append(AnchorProblem(
                    province, anchor.day, f"the chain heads of the day no longer "
                    f"give its digest ({len(heads)} dossiers now, {anchor.dossiers} then)"))
        prev = anchor.digest
    return problems


def dossier_anchor_problems(uow: UnitOfWork, province: str, event_times: list[datetime]
                            ) -> list[AnchorProblem]:
    """The anchors that vouch for one dossier's chain: every anchor of the province linked to
    the one before it, and one re-computed from the history rows: that of the last anchored
    day on which the dossier had events. Its digest holds the dossier's head as of that day,
    and re-sealing an altered event changes every hash after it up to the head, so that one
    anchor covers every event up to that day (the re-computation reads the heads that moved
    that day). Events after the last anchor wait for the next one."""
    anchors = list(uow.repo.anchors(province))
    problems = []
    prev = GENESIS
    for anchor in anchors:
        if anchor.prev_digest != prev:
            problems.append(AnchorProblem(province, anchor.day,
                                          "not linked to the anchor before it",
                                          "anchor_unlinked"))
        prev = anchor.digest
    by_day = {a.day: a for a in anchors}
    anchored = sorted({t.astimezone(LOCAL_TZ).date() for t in event_times} & set(by_day))
    if not anchored:
        return problems
    anchor = by_day[anchored[-1]]
    heads = _heads(uow, province, anchor.day, anchor.scheme)
    if anchor_digest(anchor.prev_digest, heads) != anchor.digest:
        problems.append(AnchorProblem(
            province, anchor.day, f"the chain heads of the day no longer "
            f"give its digest ({len(heads)} dossiers now, {anchor.dossiers} then)"))
    return problems


def view(anchor: HistoryAnchor) -> dict[str, Any]:
    return {"province": anchor.province, "day": anchor.day.isoformat(),
            "digest": anchor.digest, "dossiers": anchor.dossiers}
