"""The officers' inbox: open tasks in scope, most urgent first, counted; and the SQL of a
timeliness class, shared with the dossier lists."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    union_all,
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
        extra = []
        if timeliness and now is not None:
            extra.append(timeliness_filter(Task, timeliness, now))
        if process_key:
            extra.append(exists().where(Dossier.id == Task.dossier_id,
                                        Dossier.process_key == process_key))
        lanes = _lanes(scope, claimed, unit, Task.province == province,
                       Task.status == status, *extra)
        if not lanes:
            return [], 0
        found = (union_all(*lanes) if len(lanes) > 1 else lanes[0]).subquery("lanes")
        total = select(func.count()).select_from(found).scalar_subquery()
        if self.postgresql:
            # Each lane gives its first tasks by step due from its index (with those tied
            # with the last), and only the first of those are joined to their dossiers for
            # the full order; the count reads the same indexes alone.
            due = Task.due_at.asc().nulls_last()
            firsts = [lane.order_by(due).fetch(offset + limit, with_ties=True)
                      for lane in lanes]
            merged = (union_all(*firsts) if len(firsts) > 1 else firsts[0]).subquery("firsts")
            first = (select(merged.c.id).order_by(merged.c.due_at.asc().nulls_last())
                     .fetch(offset + limit, with_ties=True).subquery("first"))
            chosen = Task.id.in_(select(first.c.id))
        else:
            chosen = Task.id.in_(select(found.c.id))
        order = (Task.due_at.is_(None), Task.due_at, Dossier.due_at.is_(None), Dossier.due_at,
                 Task.created_at, Task.id)
        rows = self.session.execute(
            select(Task, Dossier, holder.name, total)
            .join(Dossier, Dossier.id == Task.dossier_id).where(chosen)
            .outerjoin(holder, holder.id == Task.holder_id)
            .options(defer(Dossier.state, raiseload=True))
            .order_by(*order).limit(limit).offset(offset)).all()
        if rows:
            total_found = int(rows[0][3])
        elif offset == 0:
            total_found = 0
        else:  # a page past the end has no row to carry the count
            total_found = int(self.session.scalar(select(total)) or 0)
        return [(row[0], row[1], row[2]) for row in rows], total_found


def _lanes(scope: tuple[int, Sequence[tuple[str, str]], Sequence[str]] | None,
           claimed: bool | None, unit: str | None, *where: Any) -> list[Select[Any, Any]]:
    """The inbox as lanes that never share a task, each a unit's tasks (or the caller's
    own, or the province's) that one index range holds: the tasks they hold, and per unit
    the unheld tasks of their positions there (of every position at a unit they lead), or
    with `claimed` the held ones of the units they lead."""
    def lane(*more: Any) -> Select[Any, Any]:
        return select(Task.id, Task.due_at).where(*where, *more)

    held, unheld = Task.holder_id.is_not(None), Task.holder_id.is_(None)
    in_unit = (Task.unit == unit,) if unit else ()
    if scope is None:
        return [lane(*in_unit, *(() if claimed is None else (held if claimed else unheld,)))]
    principal_id, memberships, supervised = scope
    units = sorted({u for u, _ in memberships} | set(supervised))
    lanes = [] if claimed is False else [lane(Task.holder_id == principal_id, *in_unit)]
    for u in units:
        if unit and u != unit:
            continue
        if u in supervised:
            lanes.append(lane(Task.unit == u, held, Task.holder_id != principal_id)
                         if claimed else lane(Task.unit == u, unheld))
        elif not claimed:  # a task without a lane is for any position of its unit
            positions = sorted({p for m, p in memberships if m == u})
            lanes.append(lane(Task.unit == u, unheld,
                              or_(Task.position.in_(positions), Task.position.is_(None))))
    return lanes
