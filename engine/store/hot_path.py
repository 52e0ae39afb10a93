"""The hot path of the store: a command's dossier row locked and read as a record, and its
writes (the record's changes or a new dossier, closed and new inbox rows, history events)
buffered and sent together by `flush_writes` just before the unit of work commits: one
statement on PostgreSQL (`pg_hot`), Core statements on SQLite. `Repository` builds on it.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Table,
    Text,
    and_,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import ConcurrentUpdate
from engine.store import pg_hot
from engine.store.models import CodeCounter, Dossier, HistoryEvent, Task
from engine.store.records import Record

_DOSSIERS = cast(Table, Dossier.__table__)
_TASKS = cast(Table, Task.__table__)

# Hot-path statements, built once: constructing them costs more than running them here.
# The state as stored text, parsed only when needed (as on PostgreSQL, see pg_hot).
_DOSSIER_COLUMNS = [type_coerce(c, Text).label(f"dossiers_{c.name}") if c.name == "state"
                    else c for c in _DOSSIERS.c]
_LOCK_TASK_DOSSIER = (
    select(*_DOSSIER_COLUMNS, _TASKS)
    .outerjoin(_TASKS, and_(_TASKS.c.dossier_id == _DOSSIERS.c.id, _TASKS.c.status == "open"))
    .where(_DOSSIERS.c.id == select(_TASKS.c.dossier_id).where(
        _TASKS.c.province == bindparam("province"), _TASKS.c.id == bindparam("task_id"))
        .scalar_subquery())
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL))
_DOSSIER_LABELS = [(c.name, f"dossiers_{c.name}") for c in _DOSSIERS.c]
_TASK_LABELS = [(c.name, f"tasks_{c.name}") for c in _TASKS.c]
_CLOSE_TASKS = update(_TASKS).where(_TASKS.c.id.in_(bindparam("ids", expanding=True))).values(
    status=bindparam("status"), completed_at=bindparam("at"), completed_by=bindparam("by"))
_INSERT_TASKS = insert(_TASKS)
_INSERT_HISTORY = insert(cast(Table, HistoryEvent.__table__))


class HotPath:
    """The hot-path half of the repository: what the busiest commands read and write."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pg: bool | None = None
        self._history: list[dict[str, Any]] = []
        self._closes: list[tuple[list[str], str, datetime, int | None]] = []
        self._new_tasks: list[dict[str, Any]] = []
        self._saved: tuple[Record, int, dict[str, Any]] | None = None
        self._inserted: Record | None = None
        self._driver: Any = None

    @property
    def postgresql(self) -> bool:
        """The session's database is PostgreSQL (else SQLite)."""
        if self._pg is None:
            self._pg = self.session.get_bind().dialect.name == "postgresql"
        return self._pg

    def next_code_and_id(self, unit: str, day: str) -> tuple[int, int]:
        """The day's next code number (gapless and unique: the counter row stays
        locked until commit, however many intakes run at once) and an id for a new dossier
        to be written with `insert_record`."""
        if self.postgresql:
            self._flush_orm()
            return pg_hot.next_code_and_id(self._driver_connection(), unit, day)
        number = self._next_code_number(unit, day)
        # SQLite runs one writer at a time (BEGIN IMMEDIATE), so the next id is free.
        last = self.session.scalar(select(func.max(_DOSSIERS.c.id))) or 0
        return number, int(last) + 1

    def _next_code_number(self, unit: str, day: str) -> int:
        upsert = sqlite_insert(CodeCounter).values(unit=unit, day=day, last=1).on_conflict_do_update(
            index_elements=["unit", "day"], set_={"last": CodeCounter.last + 1}
        ).returning(CodeCounter.last)
        return int(self.session.execute(upsert).scalar_one())

    def close_tasks(self, ids: Sequence[str], status: str, at: datetime,
                    by: int | None) -> None:
        """Mark inbox rows done (written by `flush_writes`: no rows loaded, none tracked)."""
        if ids:
            self._closes.append((list(ids), status, at, by))

    def insert_tasks(self, rows: Sequence[Task | Record]) -> None:
        """New inbox rows (one INSERT in `flush_writes`); the objects stay transient."""
        self._new_tasks.extend({c: getattr(r, c) for c in pg_hot.INSERT_TASK_COLUMNS}
                               for r in rows)

    def lock_task_dossier(self, province: str, task_id: str
                          ) -> tuple[Record, list[Record]] | None:
        """The dossier of a task as a record, its row locked, with its open tasks: one
        round trip. The dossier comes back even when the task is no longer open."""
        if self.postgresql:
            self._flush_orm()
            found = pg_hot.lock_task_dossier(self._driver_connection(), province, task_id)
            if found is None:
                return None
            return Record(found[0]), [Record(t) for t in found[1]]
        rows = self._core(_LOCK_TASK_DOSSIER, {"province": province, "task_id": task_id}
                          ).mappings().all()
        if not rows:
            return None
        dossier = Record({name: rows[0][label] for name, label in _DOSSIER_LABELS})
        tasks = [Record({name: row[label] for name, label in _TASK_LABELS})
                 for row in rows if row["tasks_id"] is not None]
        return dossier, tasks

    def save_record(self, dossier: Record) -> None:
        """Write a dossier record's changes (in `flush_writes`), guarded by its row
        version: another writer in between makes the commit fail with ConcurrentUpdate."""
        changes = dossier.changes()
        if not changes:
            return
        if self._saved is not None:
            raise RuntimeError("one dossier record is saved once per unit of work")
        self._saved = (dossier, dossier.row_version, changes)

    def insert_record(self, dossier: Record) -> None:
        """Write a new dossier row (in `flush_writes`, before the rows that refer to it)."""
        if self._inserted is not None:
            raise RuntimeError("one new dossier per unit of work")
        self._inserted = dossier

    # -- buffered writes ----------------------------------------------------------------
    def append_history(self, row: dict[str, Any]) -> None:
        """Buffer a history event; `flush_writes` writes the buffer in one INSERT."""
        self._history.append(row)

    def flush_writes(self) -> None:
        """Send the buffered writes: one statement on PostgreSQL, Core statements on SQLite."""
        if not (self._saved or self._inserted or self._closes or self._new_tasks
                or self._history):
            return
        inserted, self._inserted = self._inserted, None
        saved, self._saved = self._saved, None
        closes, self._closes = self._closes, []
        new_tasks, self._new_tasks = self._new_tasks, []
        history, self._history = self._history, []
        self._flush_orm()
        new = inserted.values() if inserted is not None else None
        if self.postgresql:
            guard = (saved[0].id, saved[1], saved[2]) if saved else None
            try:
                updated = pg_hot.write(self._driver_connection(), new=new, dossier=guard,
                                       closes=closes, new_tasks=new_tasks, history=history)
            except psycopg.IntegrityError as exc:  # as SQLAlchemy would raise it
                raise IntegrityError("hot-path write", None, exc) from exc
        else:
            if new is not None:
                self._core(insert(_DOSSIERS), new)
            updated = self._write_core(saved, closes, new_tasks, history)
        if updated != 1:
            raise ConcurrentUpdate("the dossier was changed by another request; retry")
        if inserted is not None:
            inserted.saved(inserted.row_version)
        if saved:
            saved[0].saved(saved[1] + 1)

    def _write_core(self, saved: tuple[Record, int, dict[str, Any]] | None,
                    closes: list[tuple[list[str], str, datetime, int | None]],
                    new_tasks: list[dict[str, Any]], history: list[dict[str, Any]]) -> int:
        updated = 1
        if saved:
            record, version, changes = saved
            updated = self._core(update(_DOSSIERS).where(
                _DOSSIERS.c.id == record.id, _DOSSIERS.c.row_version == version
            ).values(**changes, row_version=version + 1)).rowcount
        for ids, status, at, by in closes:
            self._core(_CLOSE_TASKS, {"ids": ids, "status": status, "at": at, "by": by})
        if new_tasks:
            self._core(_INSERT_TASKS, new_tasks)
        if history:
            self._core(_INSERT_HISTORY, history)
        return int(updated)

    def _flush_orm(self) -> None:
        if self.session.new or self.session.dirty:
            self.session.flush()

    def _driver_connection(self) -> Any:
        """The psycopg connection under the session, in the session's transaction (the
        same one until the unit of work ends)."""
        if self._driver is None:
            self._driver = self.session.connection().connection.driver_connection
        return self._driver

    def _core(self, statement: Any, params: Any = None) -> Any:
        """Run a Core statement on the session's connection, after flushing ORM changes."""
        self._flush_orm()
        return self.session.connection().execute(statement, params)

