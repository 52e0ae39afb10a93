"""Queries and writes, one method each, used inside a unit of work."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import ConcurrentUpdate
from engine.store import pg_hot
from engine.store.models import (
    CodeCounter,
    Dossier,
    HistoryEvent,
    OutboxMessage,
    Principal,
    ProcessDefinition,
    StoredCalendar,
    StoredProcedure,
    Task,
)
from engine.store.records import Record

_DOSSIERS = cast(Table, Dossier.__table__)
_TASKS = cast(Table, Task.__table__)

# Hot-path statements, built once: constructing them costs more than running them here.
_LOCK_TASK_DOSSIER = (
    select(_DOSSIERS, _TASKS)
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
_PROCEDURE_OF_PROCESS = (
    select(StoredProcedure.code, StoredProcedure.data)
    .where(StoredProcedure.province == bindparam("province"),
           StoredProcedure.process_key == bindparam("process_key"))
    .order_by(StoredProcedure.id).limit(1).subquery())
_INTAKE_LOOKUP = select(
    select(ProcessDefinition.id)
    .where(ProcessDefinition.province == bindparam("province"),
           ProcessDefinition.key == bindparam("process_key"))
    .order_by(ProcessDefinition.version.desc()).limit(1)
    .scalar_subquery().label("definition_id"),
    select(_PROCEDURE_OF_PROCESS.c.code).scalar_subquery().label("procedure_code"),
    select(_PROCEDURE_OF_PROCESS.c.data).scalar_subquery().label("procedure_data"),
    select(StoredCalendar.province).where(StoredCalendar.id == bindparam("unit"))
    .scalar_subquery().label("unit_calendar_province"),
    select(Dossier.id).where(Dossier.client_id == bindparam("client_id"),
                             Dossier.idempotency_key == bindparam("key"))
    .scalar_subquery().label("first_dossier_id"))
_INSERT_HISTORY = insert(cast(Table, HistoryEvent.__table__))


def _timeliness(model: Any, kind: str, now: datetime) -> Any:
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


class Repository:
    """Reads run at once; the hot-path writes of a command (closed and new inbox rows, the
    dossier record's changes, history events) are buffered and sent together by
    `flush_writes`, which the unit of work calls just before it commits."""

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
        if self._pg is None:
            self._pg = self.session.get_bind().dialect.name == "postgresql"
        return self._pg

    def add(self, obj: Any) -> None:
        if isinstance(obj, OutboxMessage):
            self.session.info["outbox_written"] = True
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    # -- principals ---------------------------------------------------------------------
    def principal_by_token_hash(self, token_hash: str) -> Principal | None:
        return self.session.scalar(select(Principal).where(Principal.token_hash == token_hash))

    def principals(self, province: str | None = None) -> Sequence[Principal]:
        q = select(Principal).order_by(Principal.id)
        if province is not None:
            q = q.where(Principal.province == province)
        return self.session.scalars(q).all()

    # -- process definitions ------------------------------------------------------------
    def definition(self, definition_id: int) -> ProcessDefinition | None:
        return self.session.get(ProcessDefinition, definition_id)

    def definition_by_hash(self, province: str, key: str, content_hash: str) -> ProcessDefinition | None:
        return self.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.province == province, ProcessDefinition.key == key,
            ProcessDefinition.content_hash == content_hash))

    def latest_definition(self, province: str, key: str) -> ProcessDefinition | None:
        return self.session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.province == province, ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc()).limit(1))

    def latest_definition_id(self, province: str, key: str) -> int | None:
        return self.session.scalar(
            select(ProcessDefinition.id)
            .where(ProcessDefinition.province == province, ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc()).limit(1))

    def definition_version(self, province: str, key: str, version: int) -> ProcessDefinition | None:
        return self.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.province == province, ProcessDefinition.key == key,
            ProcessDefinition.version == version))

    def definitions(self, province: str, key: str | None = None) -> Sequence[ProcessDefinition]:
        q = select(ProcessDefinition).where(ProcessDefinition.province == province)
        if key is not None:
            q = q.where(ProcessDefinition.key == key)
        return self.session.scalars(q.order_by(ProcessDefinition.key, ProcessDefinition.version)).all()

    # -- dossiers -----------------------------------------------------------------------
    def dossier(self, province: str, code: str, *, lock: bool = False) -> Dossier | None:
        q = select(Dossier).where(Dossier.province == province, Dossier.code == code)
        return self.session.scalar(self._locked(q) if lock else q)

    def dossier_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        q = select(Dossier).where(Dossier.id == dossier_id)
        return self.session.scalar(self._locked(q) if lock else q)

    def dossier_by_idempotency(self, client_id: int, key: str) -> Dossier | None:
        return self.session.scalar(select(Dossier).where(
            Dossier.client_id == client_id, Dossier.idempotency_key == key))

    def dossiers(self, province: str, *, status: str | None, process_key: str | None,
                 unit: str | None, limit: int, offset: int, timeliness: str | None = None,
                 now: datetime | None = None, sort: str = "-received_at"
                 ) -> tuple[Sequence[Dossier], int]:
        q = select(Dossier).where(Dossier.province == province)
        if status:
            q = q.where(Dossier.status == status)
        if process_key:
            q = q.where(Dossier.process_key == process_key)
        if unit:
            q = q.where(Dossier.unit == unit)
        if timeliness and now is not None:
            q = q.where(_timeliness(Dossier, timeliness, now))
        total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        order = {"-received_at": (Dossier.id.desc(),),
                 "received_at": (Dossier.id,),
                 "due_at": (Dossier.due_at.is_(None), Dossier.due_at, Dossier.id)}[sort]
        rows = self.session.scalars(q.order_by(*order).limit(limit).offset(offset)).all()
        return rows, total

    def due_dossier_ids(self, now: datetime, limit: int) -> Sequence[int]:
        return self.session.scalars(
            select(Dossier.id).where(Dossier.next_wakeup <= now).order_by(Dossier.next_wakeup)
            .limit(limit)).all()

    def claim_due_dossiers(self, due_before: datetime, requeue_before: datetime, now: datetime,
                           limit: int) -> Sequence[int]:
        """Ids of dossiers due before `due_before` and not queued since `requeue_before`,
        marked as queued now. Rows locked by another sweep or a command are skipped."""
        q = (select(Dossier.id)
             .where(Dossier.next_wakeup <= due_before,
                    or_(Dossier.wake_queued_at.is_(None),
                        Dossier.wake_queued_at < requeue_before))
             .order_by(Dossier.next_wakeup).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(q).all())
        if ids:
            self._core(update(_DOSSIERS).where(_DOSSIERS.c.id.in_(ids))
                       .values(wake_queued_at=now))
        return ids

    def intake_lookup(self, province: str, process_key: str, unit: str, client_id: int,
                      idempotency_key: str | None) -> dict[str, Any]:
        """What starting a dossier needs to know, in one query: the latest definition id,
        the procedure's code and rules, the province owning a calendar named after the
        unit (if any) and the id of a dossier already started with this idempotency key."""
        row = self.session.connection().execute(_INTAKE_LOOKUP, {
            "province": province, "process_key": process_key, "unit": unit,
            "client_id": client_id, "key": idempotency_key or ""}).one()
        return dict(row._mapping)

    def next_code_and_id(self, unit: str, day: str) -> tuple[int, int]:
        """The day's next code number (as `next_code_number`) and an id for a new dossier
        to be written with `insert_record`."""
        if self.postgresql:
            self._flush_orm()
            return pg_hot.next_code_and_id(self._driver_connection(), unit, day)
        number = self.next_code_number(unit, day)
        # SQLite runs one writer at a time (BEGIN IMMEDIATE), so the next id is free.
        last = self.session.scalar(select(func.max(_DOSSIERS.c.id))) or 0
        return number, int(last) + 1

    def next_code_number(self, unit: str, day: str) -> int:
        """Take the next sequence number for (unit, day); the row stays locked until commit,
        so numbers are gapless and unique however many intakes run at once."""
        dialect = self.session.get_bind().dialect.name
        ins = pg_insert if dialect == "postgresql" else sqlite_insert
        upsert = ins(CodeCounter).values(unit=unit, day=day, last=1).on_conflict_do_update(
            index_elements=["unit", "day"], set_={"last": CodeCounter.last + 1}
        ).returning(CodeCounter.last)
        return int(self.session.execute(upsert).scalar_one())

    # -- procedures ---------------------------------------------------------------------
    def procedure(self, province: str, code: str) -> StoredProcedure | None:
        return self.session.scalar(select(StoredProcedure).where(
            StoredProcedure.province == province, StoredProcedure.code == code))

    def procedure_for_process(self, province: str, process_key: str) -> StoredProcedure | None:
        return self.session.scalar(select(StoredProcedure).where(
            StoredProcedure.province == province, StoredProcedure.process_key == process_key)
            .order_by(StoredProcedure.id).limit(1))

    def procedures(self, province: str) -> Sequence[StoredProcedure]:
        return self.session.scalars(select(StoredProcedure).where(
            StoredProcedure.province == province).order_by(StoredProcedure.code)).all()

    # -- tasks --------------------------------------------------------------------------
    def task(self, province: str, task_id: str) -> Task | None:
        self.flush_writes()
        return self.session.scalar(select(Task).where(Task.province == province, Task.id == task_id))

    def close_tasks(self, ids: Sequence[str], status: str, at: datetime,
                    by: int | None) -> None:
        """Mark inbox rows done (written by `flush_writes`: no rows loaded, none tracked)."""
        if ids:
            self._closes.append((list(ids), status, at, by))

    def open_tasks_of(self, dossier_id: int) -> Sequence[Task]:
        self.flush_writes()
        return self.session.scalars(select(Task).where(
            Task.dossier_id == dossier_id, Task.status == "open")).all()

    def inbox(self, province: str, *, unit: str | None, position: str | None, status: str,
              limit: int, offset: int, timeliness: str | None = None,
              now: datetime | None = None) -> Sequence[tuple[Task, Dossier]]:
        """Tasks with their dossiers, the most urgent first: by step due, then dossier due."""
        self.flush_writes()
        q = (select(Task, Dossier).join(Dossier, Dossier.id == Task.dossier_id)
             .where(Task.province == province, Task.status == status))
        if unit:
            q = q.where(Task.unit == unit)
        if position:
            q = q.where(Task.position == position)
        if timeliness and now is not None:
            q = q.where(_timeliness(Task, timeliness, now))
        q = q.order_by(Task.due_at.is_(None), Task.due_at, Dossier.due_at.is_(None),
                       Dossier.due_at, Task.created_at, Task.id).limit(limit).offset(offset)
        return [(t, d) for t, d in self.session.execute(q).all()]

    def insert_tasks(self, rows: Sequence[Task]) -> None:
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
        """Send the buffered writes: one pipeline on PostgreSQL, Core statements on SQLite."""
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

    def history(self, dossier_id: int) -> Sequence[HistoryEvent]:
        self.flush_writes()
        return self.session.scalars(select(HistoryEvent).where(
            HistoryEvent.dossier_id == dossier_id).order_by(HistoryEvent.seq)).all()

    # -- outbox -------------------------------------------------------------------------
    def claim_outbox(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Unsent messages, locked so that two relays never send the same row."""
        q = (select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
             .order_by(OutboxMessage.id).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return self.session.scalars(q).all()

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        if ids:
            self.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                 .values(sent_at=now))

    def _locked(self, q: Select[Any]) -> Select[Any]:
        # SQLite has no row locks; its BEGIN IMMEDIATE already serialises writers.
        if self.session.get_bind().dialect.name == "postgresql":
            return q.with_for_update()
        return q

    def message_seen(self, dossier_id: int, message_id: str) -> bool:
        from engine.store.models import ProcessedMessage

        return self.session.get(ProcessedMessage, (dossier_id, message_id)) is not None

    # -- calendars ----------------------------------------------------------------------
    def calendar(self, calendar_id: str, *, lock: bool = False) -> Any:
        """The stored calendar row with this id (a `StoredCalendar`), or None."""
        q = select(StoredCalendar).where(StoredCalendar.id == calendar_id)
        return self.session.scalar(self._locked(q) if lock else q)
