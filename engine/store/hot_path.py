"""The hot path of the store: a command's dossier row locked and read as a record, and its
writes (the record's changes or a new dossier, closed and new inbox rows, history events)
buffered and sent together by `flush_writes` just before the unit of work commits: one
statement on PostgreSQL (`pg_hot`), plain statements on the sqlite3 connection
(`sqlite_hot`). `Repository` builds on it.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import ConcurrentUpdate
from engine.stats import open_parts
from engine.stats.counters import Key, merged
from engine.store import pg_hot, sqlite_hot, stats_sql, status_maps
from engine.store.hot_sql import DOSSIERS, INSERT_TASK_COLUMNS
from engine.store.models import CodeCounter, Dossier, Task
from engine.store.records import Record

if TYPE_CHECKING:
    from engine.store.uow import UnitOfWork



def task_units(new_tasks: Sequence[Mapping[str, Any]]) -> dict[int, list[str]]:
    """The units of new inbox rows by dossier id, each once, sorted (PostgreSQL keeps them
    on the dossier for an officer's search: models.Dossier.task_units)."""
    found: dict[int, set[str]] = {}
    for row in new_tasks:
        if row["unit"] is not None:
            found.setdefault(row["dossier_id"], set()).add(row["unit"])
    return {dossier_id: sorted(units) for dossier_id, units in found.items()}


class HotPath:
    """The hot-path half of the repository: what the busiest commands read and write."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._pg = bool(uow.dialect.name == "postgresql")
        self._history: list[dict[str, Any]] = []
        self._closes: list[tuple[list[str], str, datetime, int | None]] = []
        self._new_tasks: list[dict[str, Any]] = []
        self._saved: tuple[Record, int, dict[str, Any]] | None = None
        self._inserted: Record | None = None
        self._keys: list[dict[str, Any]] = []
        self._holds: list[tuple[str, int | None, datetime | None, int | None]] = []
        self._keys_read: dict[tuple[int, str], dict[str, Any] | None] = {}
        self._driver: Any = None
        self._events: list[dict[str, Any]] = []
        self._counts: list[tuple[Key, dict[str, float]]] = []
        # How the written dossiers moved among the open ones (engine.stats.open_parts).
        self._open: list[tuple[open_parts.OpenKey, int]] = []
        # Deliveries the writes made (engine.services.flow.events), to send after commit.
        self.delivery_ids: list[int] = []

    @property
    def postgresql(self) -> bool:
        """The database is PostgreSQL (else SQLite)."""
        return self._pg

    @property
    def session(self) -> Session:
        """The unit of work's ORM session (opened when first asked for)."""
        return self._uow.session

    def next_code_and_id(self, unit: str, day: str) -> tuple[int, int]:
        """The day's next code number (gapless and unique: the counter row stays
        locked until commit, however many intakes run at once) and an id for a new dossier
        to be written with `insert_record`."""
        if self.postgresql:
            self._flush_orm()
            return pg_hot.next_code_and_id(self._driver_connection(), unit, day)
        number = self._next_code_number(unit, day)
        # SQLite runs one writer at a time (BEGIN IMMEDIATE), so the next id is free.
        last = self.session.scalar(select(func.max(DOSSIERS.c.id))) or 0
        return number, int(last) + 1

    def _next_code_number(self, unit: str, day: str) -> int:
        upsert = sqlite_insert(CodeCounter).values(unit=unit, day=day, last=1).on_conflict_do_update(
            index_elements=["unit", "day"], set_={"last": CodeCounter.last + 1}
        ).returning(CodeCounter.last)
        return int(self.session.execute(upsert).scalar_one())

    def status_mapping(self, province: str, code: str | None) -> Mapping[str, int]:
        """The procedure's portal status mapping (cached: see status_maps.py), read on a
        miss on the hot path's own connection: no ORM session is opened for it."""
        def load() -> Any:
            self._flush_orm()
            mark = "%s" if self.postgresql else "?"
            cursor = self._driver_connection().execute(
                f"SELECT data FROM procedures WHERE province = {mark} AND code = {mark}",
                (province, code))
            row = cursor.fetchone()
            return row[0] if row else None

        return status_maps.status_mapping(self._uow.database, province, code, load)

    def close_tasks(self, ids: Sequence[str], status: str, at: datetime,
                    by: int | None) -> None:
        """Mark inbox rows done (written by `flush_writes`: no rows loaded, none tracked)."""
        if ids:
            self._closes.append((list(ids), status, at, by))

    def hold_task(self, task_id: str, holder_id: int | None, since: datetime | None,
                  assigned_by: int | None) -> None:
        """Set (or with None clear) who holds an inbox row, written by `flush_writes`. The
        caller holds the row lock of the task's dossier (`lock_task_dossier`), as completion
        does: a claim and a completion of one task never interleave."""
        self._holds.append((task_id, holder_id, since, assigned_by))

    def insert_tasks(self, rows: Sequence[Task | Record]) -> None:
        """New inbox rows (one INSERT in `flush_writes`); the objects stay transient."""
        self._new_tasks.extend({c: getattr(r, c) for c in INSERT_TASK_COLUMNS}
                               for r in rows)

    def lock_task_dossier(self, province: str, task_id: str, *,
                          key: tuple[int, str] | None = None
                          ) -> tuple[Record, list[Record]] | None:
        """The dossier of a task as a record, its row locked, with its open tasks: one
        round trip. The dossier comes back even when the task is no longer open. With
        `key` (principal id, Idempotency-Key), PostgreSQL also reads that key's stored
        answer in the same round trip, for `completion_key`."""
        if self.postgresql:
            self._flush_orm()
            found, stored = pg_hot.lock_task_dossier(self._driver_connection(), province,
                                                     task_id, key)
            if key is not None:
                self._keys_read[key] = stored
            if found is None:
                return None
            return Record(found[0]), [Record(t) for t in found[1]]
        self._flush_orm()
        found = sqlite_hot.lock_task_dossier(self._driver_connection(), self._converters(),
                                             province, task_id)
        if found is None:
            return None
        return Record(found[0]), [Record(t) for t in found[1]]

    def completion_key(self, principal_id: int, key: str) -> dict[str, Any] | None:
        """A caller's Idempotency-Key as stored with its first answer (`task_id`,
        `request_hash`, `answer`), or None. Read after the lock, so a completion of the
        same task committed meanwhile is seen."""
        if (principal_id, key) in self._keys_read:
            return self._keys_read.pop((principal_id, key))
        if self.postgresql:
            return pg_hot.completion_key(self._driver_connection(), principal_id, key)
        self._flush_orm()
        return sqlite_hot.completion_key(self._driver_connection(), self._converters(),
                                         principal_id, key)

    def insert_completion_key(self, row: dict[str, Any]) -> None:
        """Store a completion's Idempotency-Key with its answer (in `flush_writes`)."""
        self._keys.append(row)

    def save_record(self, dossier: Record) -> None:
        """Write a dossier record's changes (in `flush_writes`), guarded by its row
        version: another writer in between makes the commit fail with ConcurrentUpdate."""
        changes = dossier.changes()
        if not changes:
            return
        if open_parts.WATCHED_SET & changes.keys():
            before = dossier.before()
            self.moved(before, {**before, **changes})
        if self._saved is not None:
            raise RuntimeError("one dossier record is saved once per unit of work")
        self._saved = (dossier, dossier.row_version, changes)

    def insert_record(self, dossier: Record) -> None:
        """Write a new dossier row (in `flush_writes`, before the rows that refer to it)."""
        if self._inserted is not None:
            raise RuntimeError("one new dossier per unit of work")
        self._inserted = dossier

    def moved(self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
        """A dossier written (None: not there before, or after): the open dossiers' counts
        move with it, in the same writes."""
        self._open.extend(open_parts.deltas(before, after))

    # -- buffered writes ----------------------------------------------------------------
    def add_webhook_event(self, dossier: Any, event_type: str, bit: int,
                          payload: dict[str, Any], at: datetime) -> None:
        """Buffer a webhook event of `dossier`: `flush_writes` writes one delivery per
        subscription that wants it, in the order of the events. The dossier's scope (its
        client, process and procedure) is read then, as it stands when the command ends."""
        self._events.append({"dossier": dossier, "event_type": event_type, "bit": bit,
                             "payload": payload, "at": at})

    def count(self, key: Key, delta: dict[str, float]) -> None:
        """Buffer a change of the figures' counters (engine.stats.counters): `flush_writes`
        adds the command's changes in one UPSERT, one row per key."""
        self._counts.append((key, delta))

    def append_history(self, row: dict[str, Any]) -> None:
        """Buffer a history event; `flush_writes` writes the buffer in one INSERT."""
        self._history.append(row)

    def flush_writes(self, commit: bool = False) -> bool:
        """Send the buffered writes: one statement on PostgreSQL, plain statements on SQLite.
        With `commit`, PostgreSQL also commits in the same round trip; returns whether it
        did (the caller commits otherwise)."""
        self._flush_orm()  # first: the dossiers it writes move the open counts
        if not (self._saved or self._inserted or self._closes or self._new_tasks
                or self._history or self._keys or self._holds or self._events
                or self._counts or self._open):
            return False
        inserted, self._inserted = self._inserted, None
        if inserted is not None:  # as it is written now
            self.moved(None, inserted.values())
        saved, self._saved = self._saved, None
        closes, self._closes = self._closes, []
        new_tasks, self._new_tasks = self._new_tasks, []
        history, self._history = self._history, []
        keys, self._keys = self._keys, []
        holds, self._holds = self._holds, []
        events = [{"ord": i, "province": e["dossier"].province, "dossier_id": e["dossier"].id,
                   "client_id": e["dossier"].client_id, "process_key": e["dossier"].process_key,
                   "procedure_code": e["dossier"].procedure_code, "event_type": e["event_type"],
                   "bit": e["bit"], "payload": e["payload"], "at": e["at"]}
                  for i, e in enumerate(self._events)]
        self._events = []
        stats = stats_sql.upserts(merged(self._counts), open_parts.merged(self._open))
        self._counts, self._open = [], []
        new = inserted.values() if inserted is not None else None
        guard = (saved[0].id, saved[1], saved[2]) if saved else None
        try:
            if self.postgresql:
                units = task_units(new_tasks)
                if new is not None and new["id"] in units:
                    new["task_units"] = units.pop(new["id"])
                updated = pg_hot.write(self._driver_connection(), new=new, dossier=guard,
                                       closes=closes, new_tasks=new_tasks, history=history,
                                       keys=keys, holds=holds, commit=commit,
                                       events=events, delivery_ids=self.delivery_ids,
                                       stats=stats, task_units=units)
            else:
                updated = sqlite_hot.write(self._driver_connection(), self._converters(),
                                           new=new, dossier=guard, closes=closes,
                                           new_tasks=new_tasks, history=history, keys=keys,
                                           holds=holds, events=events,
                                           delivery_ids=self.delivery_ids, stats=stats)
        except (psycopg.IntegrityError, sqlite3.IntegrityError) as exc:
            raise IntegrityError("hot-path write", None, exc) from exc  # as SQLAlchemy would
        if updated != 1:
            raise ConcurrentUpdate("the dossier was changed by another request; retry")
        if inserted is not None:
            inserted.saved(inserted.row_version)
        if saved:
            saved[0].saved(saved[1] + 1)
        return commit and self.postgresql

    def _flush_orm(self) -> None:
        session = self._uow.open_session  # no session yet: nothing to flush
        if session is not None and (session.new or session.dirty):
            session.flush()

    def _converters(self) -> sqlite_hot.Converters:
        return sqlite_hot.converters(self._uow.dialect)

    def _driver_connection(self) -> Any:
        """The DBAPI connection of the unit of work's transaction (the same one until the
        unit of work ends; a session opened later joins it)."""
        if self._driver is None:
            self._driver = self._uow.driver()
        return self._driver

    def _core(self, statement: Any, params: Any = None) -> Any:
        """Run a Core statement on the session's connection, after flushing ORM changes."""
        self._flush_orm()
        return self.session.connection().execute(statement, params)



@event.listens_for(Session, "before_flush")
def _dossiers_moved(session: Session, _context: Any, _instances: Any) -> None:
    """Dossiers written through the ORM move the open dossiers' counts as records do
    (`HotPath.moved`): their watched columns as loaded and as they will be written."""
    hot = session.info.get("hot_path")
    if hot is None:
        return
    for obj in session.new:
        if isinstance(obj, Dossier):
            hot.moved(None, {c: getattr(obj, c) for c in open_parts.WATCHED})
    for obj in session.dirty:
        if isinstance(obj, Dossier) and session.is_modified(obj):
            state = inspect(obj)
            after = {c: getattr(obj, c) for c in open_parts.WATCHED}
            before = dict(after)
            for c in open_parts.WATCHED:
                history = state.attrs[c].history
                if history.deleted:
                    before[c] = history.deleted[0]
            if before != after:
                hot.moved(before, after)
