"""What the store reads of dossiers' histories: one dossier's events (all, or a page), pages
of a province's dossiers with theirs (verification), chain heads at an instant, the daily
anchors, and a unit's register of a period with its hand-overs (the tracking book)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
)

from engine.store.hot_path import HotPath
from engine.store.models import (
    Dossier,
    HistoryAnchor,
    HistoryEvent,
    Task,
    Unit,
)


class HistoryReads(HotPath):
    def history(self, dossier_id: int) -> Sequence[HistoryEvent]:
        self.flush_writes()
        return self.session.scalars(select(HistoryEvent).where(
            HistoryEvent.dossier_id == dossier_id).order_by(HistoryEvent.seq)).all()

    def history_page(self, dossier_id: int, after_seq: int, limit: int
                     ) -> Sequence[HistoryEvent]:
        """Up to `limit` events after `after_seq`, in order (the (dossier, seq) index)."""
        return self.session.scalars(select(HistoryEvent).where(
            HistoryEvent.dossier_id == dossier_id, HistoryEvent.seq > after_seq)
            .order_by(HistoryEvent.seq).limit(limit)).all()

    def unit_register(self, province: str, unit: str, start: datetime, end: datetime,
                      limit: int) -> Sequence[Dossier]:
        """The dossiers `unit` received in [start, end), or was handed (a task of it made
        then), in order of reception: at most `limit` (the two indexes of migration 0018)."""
        handed = select(Task.dossier_id).where(Task.unit == unit, Task.created_at >= start,
                                               Task.created_at < end)
        return self.session.scalars(select(Dossier).where(
            Dossier.province == province,
            or_(and_(Dossier.unit == unit, Dossier.received_at >= start,
                     Dossier.received_at < end),
                Dossier.id.in_(handed)))
            .order_by(Dossier.received_at, Dossier.id).limit(limit)).all()

    def unit_names_of(self, province: str) -> dict[str, str]:
        """The registered name of every unit of the province, by code."""
        return {code: name or code for code, name in self.session.execute(
            select(Unit.code, Unit.name).where(Unit.province == province,
                                               Unit.name.is_not(None)))}

    def events_of_kinds(self, dossier_ids: Sequence[int], kinds: Sequence[str]
                        ) -> dict[int, list[HistoryEvent]]:
        """The events of these kinds of each of these dossiers, in order."""
        out: dict[int, list[HistoryEvent]] = {i: [] for i in dossier_ids}
        for n in range(0, len(dossier_ids), 500):
            for event in self.session.scalars(select(HistoryEvent).where(
                    HistoryEvent.dossier_id.in_(dossier_ids[n:n + 500]),
                    HistoryEvent.kind.in_(kinds))
                    .order_by(HistoryEvent.dossier_id, HistoryEvent.seq)):
                out[event.dossier_id].append(event)
        return out

    def dossier_ids_after(self, province: str, after_id: int, limit: int, *,
                          since: datetime | None = None) -> list[int]:
        """The ids of the province's dossiers above `after_id`, in id order (a page of a
        walk through all of them), received at or after `since`."""
        q = select(Dossier.id).where(Dossier.province == province, Dossier.id > after_id)
        if since is not None:
            q = q.where(Dossier.received_at >= since)
        return list(self.session.scalars(q.order_by(Dossier.id).limit(limit)))

    def dossiers_by_ids(self, ids: Sequence[int]) -> Sequence[Dossier]:
        """These dossiers, in id order."""
        return self.session.scalars(select(Dossier).where(Dossier.id.in_(ids))
                                    .order_by(Dossier.id)).all()

    def heads_before(self, province: str, before: datetime) -> list[tuple[str, int, str]]:
        """(code, seq, hash) of each dossier's last event before `before`: its chain head
        as it stood then."""
        return self._heads(province, HistoryEvent.at < before)

    def heads_of_day(self, province: str, start: datetime, end: datetime
                     ) -> list[tuple[str, int, str]]:
        """(code, seq, hash) of the last event in [start, end) of each dossier that has one:
        the chain heads that day moved (read by the index on the events' instants)."""
        return self._heads(province, HistoryEvent.at >= start, HistoryEvent.at < end)

    def _heads(self, province: str, *when: Any) -> list[tuple[str, int, str]]:
        """(code, seq, hash) of each dossier's last event among those `when` selects."""
        last = (select(HistoryEvent.dossier_id, func.max(HistoryEvent.seq).label("seq"))
                .join(Dossier, Dossier.id == HistoryEvent.dossier_id)
                .where(Dossier.province == province, *when)
                .group_by(HistoryEvent.dossier_id).subquery())
        rows = self.session.execute(
            select(Dossier.code, HistoryEvent.seq, HistoryEvent.hash)
            .join(last, last.c.dossier_id == Dossier.id)
            .join(HistoryEvent, (HistoryEvent.dossier_id == last.c.dossier_id)
                  & (HistoryEvent.seq == last.c.seq)))
        return [(code, int(seq), digest) for code, seq, digest in rows]

    def anchors(self, province: str) -> Sequence[HistoryAnchor]:
        return self.session.scalars(select(HistoryAnchor).where(
            HistoryAnchor.province == province).order_by(HistoryAnchor.day)).all()

    def first_reception(self, province: str) -> datetime | None:
        return self.session.scalar(select(func.min(Dossier.received_at)).where(
            Dossier.province == province))

    def provinces(self) -> Sequence[str]:
        """Every province that has dossiers."""
        return self.session.scalars(select(Dossier.province).distinct()
                                    .order_by(Dossier.province)).all()

    def count_dossiers(self, province: str, *, since: datetime | None = None) -> int:
        q = select(func.count()).select_from(Dossier).where(Dossier.province == province)
        if since is not None:
            q = q.where(Dossier.received_at >= since)
        return int(self.session.scalar(q) or 0)

    def histories(self, dossier_ids: Sequence[int]) -> dict[int, list[Any]]:
        """The history of each of these dossiers, in order: rows with the columns of
        `history_events` (read as plain rows: building ORM objects costs more than checking
        their hashes)."""
        out: dict[int, list[Any]] = {i: [] for i in dossier_ids}
        columns = [HistoryEvent.__table__.c[name] for name in (
            "dossier_id", "seq", "at", "kind", "actor_id", "element_id", "task_id", "payload",
            "prev_hash", "hash")]
        for event in self.session.execute(select(*columns).where(
                HistoryEvent.dossier_id.in_(dossier_ids))
                .order_by(HistoryEvent.dossier_id, HistoryEvent.seq)):
            out[event.dossier_id].append(event)
        return out

    def last_holding_unit(self, dossier_id: int) -> str | None:
        """The unit that last received the dossier: the `to_unit` of its latest hand-over
        (None: it never left the unit that received it)."""
        self.flush_writes()
        payload = self.session.scalar(
            select(HistoryEvent.payload).where(HistoryEvent.dossier_id == dossier_id,
                                               HistoryEvent.kind == "dossier.handed_over")
            .order_by(HistoryEvent.seq.desc()).limit(1))
        unit = payload.get("to_unit") if isinstance(payload, dict) else None
        return unit if isinstance(unit, str) else None
