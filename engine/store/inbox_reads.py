"""The officers' inbox: open tasks in scope, most urgent first, counted; and the SQL of a
timeliness class, shared with the dossier lists."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, defer

from engine.store.hot_path import HotPath
from engine.store.models import (
    Dossier,
    Principal,
    Task,
)


def timeliness_filter(model: Any, kind: str, now: datetime) -> Any:
    """SQL for a timeliness class (engine.deadlines.timeliness) on dossiers or tasks."""
    open_status = model.status == ("in_process" if model is Dossier else "open")
    if kind == "overdue":
        return and_(open_status, model.due_at < now)
    if kind == "approaching":
        return and_(open_status, model.due_at >= now, model.warn_at <= now)
    if kind == "within_time":
        return and_(open_status, model.due_at >= now,
                    or_(model.warn_at.is_(None), model.warn_at > now))
    if model is Dossier:
        return Dossier.timeliness == kind  # early / on_time / late, set when finished
    finished = model.completed_at
    if kind == "late":
        return and_(model.status == "completed", finished > model.due_at)
    return and_(model.status == "completed", finished <= model.due_at)


class InboxReads(HotPath):
    def inbox(self, province: str, *, scope: tuple[int, Sequence[tuple[str, str]], Sequence[str]]
              | None, status: str, limit: int,
              offset: int, claimed: bool | None = None, process_key: str | None = None,
              unit: str | None = None, timeliness: str | None = None,
              now: datetime | None = None) -> tuple[list[tuple[Task, Dossier, str | None]], int]:
        """Tasks with their dossiers and their holders' names, the most urgent first (by
        step due, then dossier due), and how many match in all. `scope`: an officer's
        (engine.access.TaskScope: their id, memberships and the units they lead; None:
        every task of the province). `claimed`: only held (True) or unheld (False)
        tasks; None: for an officer, unheld tasks and their own, for others every task."""
        self.flush_writes()
        holder = aliased(Principal)
        # The tasks alone: every task has its dossier (a foreign key), so the count joins
        # it only to filter on it (reading a dossier row per task of a busy unit).
        q = select(Task.id).where(Task.province == province, Task.status == status)
        held = Task.holder_id.is_not(None)
        if scope is not None:
            principal_id, memberships, supervised = scope
            # A task without a lane is for any position of its unit.
            lane = or_(false(), *(and_(Task.unit == u, or_(Task.position == p,
                                                           Task.position.is_(None)))
                                  for u, p in memberships))
            led = Task.unit.in_(supervised) if supervised else false()
            mine = Task.holder_id == principal_id
            if claimed is None:
                q = q.where(or_(mine, and_(~held, or_(lane, led))))
            elif claimed:
                q = q.where(or_(mine, and_(held, led)))
            else:
                q = q.where(~held, or_(lane, led))
        elif claimed is not None:
            q = q.where(held if claimed else ~held)
        if unit:
            q = q.where(Task.unit == unit)
        if timeliness and now is not None:
            q = q.where(timeliness_filter(Task, timeliness, now))
        if process_key:
            q = q.join(Dossier, Dossier.id == Task.dossier_id).where(
                Dossier.process_key == process_key)
        urgent = (Task.due_at.is_(None), Task.due_at)
        order = (*urgent, Dossier.due_at.is_(None), Dossier.due_at, Task.created_at, Task.id)
        page: Select[Any, Any, Any] | Select[Any, Any, Any, Any]
        if not self.postgresql:
            total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
            if not process_key:
                q = q.join(Dossier, Dossier.id == Task.dossier_id)
            page = q.with_only_columns(Task, Dossier, holder.name)
        else:
            # The tasks of a busy unit are sorted by step due alone, narrow, and counted in
            # the same pass; only the first ones (with all those tied with the last of the
            # page) are joined to their dossiers for the full order. Sorting every task of
            # the unit with its dossier row took most of the inbox's time.
            first = (q.add_columns(func.count().over().label("total")).order_by(*urgent)
                     .fetch(offset + limit, with_ties=True).subquery("first"))
            page = (select(Task, Dossier, holder.name, first.c.total)
                    .join(first, first.c.id == Task.id)
                    .join(Dossier, Dossier.id == Task.dossier_id))
        rows = self.session.execute(
            page.outerjoin(holder, holder.id == Task.holder_id)
            .options(defer(Dossier.state, raiseload=True))
            .order_by(*order).limit(limit).offset(offset)).all()
        if self.postgresql:
            if rows:
                total = int(rows[0][3])
            elif offset == 0:
                total = 0
            else:  # a page past the end has no row to carry the count
                total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        return [(row[0], row[1], row[2]) for row in rows], total
