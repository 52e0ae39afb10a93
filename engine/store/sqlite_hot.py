"""SQLite hot path: a task completion's statements sent straight to the sqlite3 module.

SQLAlchemy Core spends far more CPU on each statement than SQLite takes to run it
(compiled-cache lookup, parameter and result processing, cursor wrapping); a completion
ran five. Here the statements are plain SQL built once from the table definitions and run
on the unit of work's own connection, inside its transaction (opened with BEGIN IMMEDIATE:
see engine.store.db), so nothing changes about locking or atomicity. Values are converted
by the column types' own SQLAlchemy processors, so rows are stored exactly as SQLAlchemy
stores them and read back the same by every other path.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from engine.store import hot_sql, stats_sql, webhook_sql
from engine.store.hot_sql import (
    DOSSIER_COLUMNS,
    DOSSIERS,
    HISTORY,
    HISTORY_COLUMNS,
    INSERT_TASK_COLUMNS,
    KEY_COLUMNS,
    KEY_READ_COLUMNS,
    KEYS,
    READ_DOSSIER_COLUMNS,
    TASK_COLUMNS,
    TASKS,
    names,
    quoted,
    values,
)

Processor = Callable[[Any], Any] | None

# SQLite keeps JSON as text: the state comes back unparsed (as on PostgreSQL), and
# BEGIN IMMEDIATE already holds the write lock.
LOCK_TASK_DOSSIER = hot_sql.lock_task_dossier("?")
COMPLETION_KEY = hot_sql.completion_key("?")
_INSERT_DOSSIER = (f"INSERT INTO dossiers ({names(DOSSIER_COLUMNS)}) "
                   f"VALUES {values(DOSSIER_COLUMNS, 1, '?')}")


class Converters:
    """The bind and result processors of the hot-path tables' columns for one dialect."""

    def __init__(self, dialect: Any) -> None:
        def bind(c: Any) -> Processor:
            return cast(Processor, c.type.dialect_impl(dialect).bind_processor(dialect))

        def result(c: Any) -> Processor:
            return cast(Processor, c.type.dialect_impl(dialect).result_processor(dialect, None))

        self.bind: dict[str, dict[str, Processor]] = {
            table.name: {c.name: bind(c) for c in table.c}
            for table in (DOSSIERS, TASKS, HISTORY, KEYS)}
        # The state stays the stored text, parsed only when needed (as on PostgreSQL).
        self.dossier_result = [None if name == "state" else result(DOSSIERS.c[name])
                               for name in READ_DOSSIER_COLUMNS]
        self.task_result = [result(c) for c in TASKS.c]
        self.key_result = [result(KEYS.c[name]) for name in KEY_READ_COLUMNS]

    def values(self, table: str, columns: Sequence[str], row: dict[str, Any]) -> list[Any]:
        """`row`'s values of `columns` as the sqlite3 module takes them."""
        binds = self.bind[table]
        out = []
        for name in columns:
            process, value = binds[name], row.get(name)
            out.append(process(value) if process is not None else value)
        return out


# Per dialect object (one per engine), dropped with it: an id() could be reused.
_CONVERTERS: weakref.WeakKeyDictionary[Any, Converters] = weakref.WeakKeyDictionary()


def converters(dialect: Any) -> Converters:
    found = _CONVERTERS.get(dialect)
    if found is None:
        found = _CONVERTERS[dialect] = Converters(dialect)
    return found


def _read(row: Sequence[Any], processors: Sequence[Processor]) -> list[Any]:
    return [p(v) if p is not None else v for p, v in zip(processors, row)]


def lock_task_dossier(conn: Any, conv: Converters, province: str, task_id: str
                      ) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The dossier of a task and its open tasks, as column dicts (the write lock is the
    transaction's own: BEGIN IMMEDIATE)."""
    rows = conn.execute(LOCK_TASK_DOSSIER, (province, task_id)).fetchall()
    if not rows:
        return None
    width = len(READ_DOSSIER_COLUMNS)
    dossier = dict(zip(READ_DOSSIER_COLUMNS, _read(rows[0][:width], conv.dossier_result)))
    tasks = [dict(zip(TASK_COLUMNS, _read(row[width:], conv.task_result)))
             for row in rows if row[width] is not None]
    return dossier, tasks


def completion_key(conn: Any, conv: Converters, principal_id: int, key: str
                   ) -> dict[str, Any] | None:
    """The stored first answer of a caller's Idempotency-Key, or None."""
    row = conn.execute(COMPLETION_KEY, (principal_id, key)).fetchone()
    return None if row is None else dict(zip(KEY_READ_COLUMNS, _read(row, conv.key_result)))


def write(conn: Any, conv: Converters, *, new: dict[str, Any] | None,
          dossier: tuple[int, int, dict[str, Any]] | None,
          closes: Sequence[tuple[list[str], str, datetime, int | None]],
          new_tasks: Sequence[dict[str, Any]], history: Sequence[dict[str, Any]],
          keys: Sequence[dict[str, Any]] = (),
          holds: Sequence[tuple[str, int | None, datetime | None, int | None]] = (),
          events: Sequence[dict[str, Any]] = (), delivery_ids: list[int] | None = None,
          stats: Sequence[stats_sql.Upsert] = ()) -> int:
    """A command's hot-path writes (arguments as for `pg_hot.write`). Returns the number of
    dossier rows updated: 1, or 0 when the row version moved, and then nothing is written."""
    if new is not None:
        conn.execute(_INSERT_DOSSIER, conv.values("dossiers", DOSSIER_COLUMNS, new))
    if dossier is not None:
        dossier_id, version, changes = dossier
        changed = sorted(changes)
        sql = (f"UPDATE dossiers SET {', '.join(f'{quoted(c)} = ?' for c in changed)}, "
               "row_version = ? WHERE id = ? AND row_version = ?")
        params = conv.values("dossiers", changed, changes) + [version + 1, dossier_id, version]
        if conn.execute(sql, params).rowcount != 1:
            return 0
    for ids, status, at, by in closes:
        conn.execute(f"UPDATE tasks SET status = ?, completed_at = ?, completed_by = ? "
                     f"WHERE id IN ({', '.join(['?'] * len(ids))})",
                     [*conv.values("tasks", ("status", "completed_at", "completed_by"),
                                   {"status": status, "completed_at": at, "completed_by": by}),
                      *ids])
    for task_id, holder_id, since, assigned_by in holds:
        conn.execute("UPDATE tasks SET holder_id = ?, held_since = ?, assigned_by = ? "
                     "WHERE id = ?",
                     [*conv.values("tasks", ("holder_id", "held_since", "assigned_by"),
                                   {"holder_id": holder_id, "held_since": since,
                                    "assigned_by": assigned_by}), task_id])
    _insert(conn, conv, "tasks", INSERT_TASK_COLUMNS, new_tasks)
    _insert(conn, conv, "history_events", HISTORY_COLUMNS, history)
    _insert(conn, conv, "completion_keys", KEY_COLUMNS, keys)
    for upsert in stats:
        conn.execute(stats_sql.statement(upsert.shape, "?", False), upsert.params(False))
    if events:
        found = conn.execute(webhook_sql.insert_deliveries(len(events), "?"),
                             [v for e in events for v in _event_values(conv, e)]).fetchall()
        if delivery_ids is not None:
            delivery_ids.extend(sorted(int(r[0]) for r in found))
    return 1


def _event_values(conv: Converters, event: dict[str, Any]) -> list[Any]:
    """A webhook event's values: its payload and instant as the history's are stored."""
    stored = dict(zip(("payload", "at"), conv.values("history_events", ("payload", "at"),
                                                     event)))
    return [stored.get(c, event[c]) for c in webhook_sql.EVENT_COLUMNS]


def _insert(conn: Any, conv: Converters, table: str, columns: list[str],
            rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    conn.execute(f"INSERT INTO {table} ({names(columns)}) "
                 f"VALUES {values(columns, len(rows), '?')}",
                 [v for row in rows for v in conv.values(table, columns, row)])
