"""Auditors prove a dossier's record intact: its hash chain re-computed from the stored
events, each linked to the one before and the last being the dossier's head
(`engine.history.first_break`), the daily anchors that vouch for it, and its history
re-executed on its version. One dossier over HTTP or from the command line; every dossier
of a province from the command line (`motcua history verify`), whose anchors are then all
re-computed once (`anchors.verify_anchors`) rather than dossier by dossier."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from engine.access import Action, Caller
from engine.history import first_break
from engine.services.context import Context
from engine.services.flow.dossiers import find_dossier
from engine.services.records.anchors import AnchorProblem, dossier_anchor_problems
from engine.services.records.replay import Reexecuted, reexecute
from engine.store.models import Dossier
from engine.store.uow import UnitOfWork

BATCH = 200


@dataclass(frozen=True)
class Verdict:
    code: str
    events: int
    head: str
    first_divergence: dict[str, Any] | None
    # The chain's own verdict, the anchors that vouch for it (one dossier only: a
    # province's are checked once for all), and the re-execution of its history.
    chain_divergence: dict[str, Any] | None = None
    anchor_problems: tuple[AnchorProblem, ...] = ()
    reexecution: Reexecuted | None = None

    @property
    def intact(self) -> bool:
        return self.first_divergence is None and not self.anchor_problems


def verify_dossier(ctx: Context, caller: Caller, code: str) -> Verdict:
    """The verdict on one dossier the caller may read the history of: its chain, the
    anchors that vouch for it, and its history re-executed on its version."""
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_HISTORY)
        return _whole(ctx, uow, dossier, list(uow.repo.history(dossier.id)), anchors=True)


def verify_code(ctx: Context, code: str, province: str | None = None) -> Verdict | None:
    """The same verdict as `verify_dossier` for the command line, which runs with the
    database's rights and asks no policy; None: no such dossier (in `province`)."""
    with ctx.uow(readonly=True) as uow:
        dossier = uow.repo.dossier_by_code(code)
        if dossier is None or (province is not None and dossier.province != province):
            return None
        return _whole(ctx, uow, dossier, list(uow.repo.history(dossier.id)), anchors=True)


def dossier_pages(ctx: Context, province: str, *, since: datetime | None = None,
                  size: int | None = None) -> Iterator[list[int]]:
    """The ids of the province's dossiers (received at or after `since`) in order of
    reception, `size` (BATCH) at a time: pages that processes may check apart
    (`verify_ids`)."""
    after = 0
    while True:
        with ctx.uow(readonly=True) as uow:
            ids = uow.repo.dossier_ids_after(province, after, size or BATCH, since=since)
        if not ids:
            return
        after = ids[-1]
        yield ids


def verify_ids(ctx: Context, ids: list[int], *, reexecute: bool = False) -> list[Verdict]:
    """The chain verdicts of these dossiers (one read-only unit of work), in id order;
    with `reexecute`, their histories re-executed too."""
    with ctx.uow(readonly=True) as uow:
        dossiers = uow.repo.dossiers_by_ids(ids)
        events = uow.repo.histories([d.id for d in dossiers])
        return [_whole(ctx, uow, d, events.get(d.id, []), anchors=False, rerun=reexecute)
                for d in dossiers]


def _whole(ctx: Context, uow: UnitOfWork, dossier: Dossier, events: list[Any], *,
           anchors: bool, rerun: bool = True) -> Verdict:
    """The chain's verdict, the anchors' (if asked) and the re-execution's (if asked),
    together."""
    chain = _verdict(dossier, events)
    problems = dossier_anchor_problems(uow, dossier.province, [e.at for e in events]) \
        if anchors else []
    if not rerun:
        return replace(chain, chain_divergence=chain.first_divergence,
                       anchor_problems=tuple(problems))
    again = reexecute(ctx, uow, dossier, events)
    return replace(chain, first_divergence=chain.first_divergence or again.first_divergence,
                   chain_divergence=chain.first_divergence, anchor_problems=tuple(problems),
                   reexecution=again)


def provinces(ctx: Context) -> list[str]:
    with ctx.uow(readonly=True) as uow:
        return list(uow.repo.provinces())


def count_dossiers(ctx: Context, province: str, since: datetime | None = None) -> int:
    with ctx.uow(readonly=True) as uow:
        return uow.repo.count_dossiers(province, since=since)


def _verdict(dossier: Dossier, events: list[Any]) -> Verdict:
    found = first_break(events, dossier.history_head, dossier.history_seq or 0)
    return Verdict(dossier.code, len(events), dossier.history_head, found)
