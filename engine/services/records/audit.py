"""Auditors prove a dossier's record intact: its hash chain re-computed from the stored
events, each linked to the one before and the last being the dossier's head
(`engine.history.first_break`). One dossier over HTTP; every dossier of a province from the
command line (`motcua history verify`)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.access import Action, Caller
from engine.history import first_break
from engine.services.context import Context
from engine.services.flow.dossiers import find_dossier
from engine.store.models import Dossier, HistoryEvent

BATCH = 200


@dataclass(frozen=True)
class Verdict:
    code: str
    events: int
    head: str
    first_divergence: dict[str, Any] | None

    @property
    def intact(self) -> bool:
        return self.first_divergence is None


def verify_dossier(ctx: Context, caller: Caller, code: str) -> Verdict:
    """The verdict on one dossier the caller may read the history of."""
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_HISTORY)
        return _verdict(dossier, list(uow.repo.history(dossier.id)))


def verify_province(ctx: Context, province: str, *, since: datetime | None = None,
                    progress: Callable[[int], None] = lambda n: None) -> Iterator[Verdict]:
    """Every dossier of `province` (received at or after `since`), in order of reception,
    a batch of dossiers per read-only unit of work."""
    after = 0
    while True:
        with ctx.uow(readonly=True) as uow:
            batch = uow.repo.dossiers_after(province, after, BATCH, since=since)
            if not batch:
                return
            events = uow.repo.histories([d.id for d in batch])
            verdicts = [_verdict(d, events.get(d.id, [])) for d in batch]
        after = batch[-1].id
        progress(len(batch))
        yield from verdicts


def provinces(ctx: Context) -> list[str]:
    with ctx.uow(readonly=True) as uow:
        return list(uow.repo.provinces())


def count_dossiers(ctx: Context, province: str, since: datetime | None = None) -> int:
    with ctx.uow(readonly=True) as uow:
        return uow.repo.count_dossiers(province, since=since)


def _verdict(dossier: Dossier, events: list[HistoryEvent]) -> Verdict:
    found = first_break(events, dossier.history_head, dossier.history_seq or 0)
    return Verdict(dossier.code, len(events), dossier.history_head, found)
