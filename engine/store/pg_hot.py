"""PostgreSQL hot path: a task completion's statements sent straight to psycopg.

SQLAlchemy Core spends about a quarter of a millisecond of CPU on each statement it runs
(compiled-cache lookup, parameter processing, result metadata); a completion ran five.
Here the lock is plain SQL built once from the table definitions, and all the writes of a
command are one statement of data-modifying CTEs (dossier row, closed and new inbox rows,
history rows). They run on the unit of work's own connection, inside its transaction, so
nothing changes about locking or atomicity, as prepared statements sent through libpq's
pipeline (`pg_pipeline`): the lock travels with the transaction's BEGIN and, when no ORM
session is open, the writes with its COMMIT, so a completion takes two round trips.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg import errors
from sqlalchemy import JSON

from engine import jsoncodec
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
from engine.store.models import UTCDateTime
from engine.store.pg_pipeline import Step, begin_if_idle, exchange, rows

_TABLES = (DOSSIERS, TASKS, HISTORY, KEYS)
_JSON = {c.name for t in _TABLES for c in t.c if isinstance(c.type, JSON)}
_INSTANTS = {c.name for t in _TABLES for c in t.c if isinstance(c.type, UTCDateTime)}
_D_INSTANTS = [i for i, name in enumerate(READ_DOSSIER_COLUMNS) if name in _INSTANTS]
_T_INSTANTS = [i for i, name in enumerate(TASK_COLUMNS) if name in _INSTANTS]


def _numbered(sql: str) -> bytes:
    """`%s` placeholders as PostgreSQL's `$1, $2, …`, for the raw cursor."""
    parts = sql.split("%s")
    return ("".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]).encode()


# The state comes back as text: parsing it is only needed when the process holds no live
# instance of the dossier (see engine.services.flow.instances.load_instance).
# The open tasks are read by a statement of their own, after the lock is granted: a
# statement that waited for the lock sees the dossier row as the other transaction left it,
# but rows it joined (the tasks) as they were when it started, and a claim committed while
# it waited would be missed. Pipelined behind the lock, it costs no round trip.
_LOCK_TASK_DOSSIER = _numbered(hot_sql.locked_dossier_of_task(
    "%s", state='d."state"::text', lock="FOR UPDATE OF d"))
_OPEN_TASKS = _numbered(hot_sql.open_tasks_of_task_dossier("%s"))
NEXT_CODE_AND_ID = (
    "INSERT INTO code_counters (unit, day, last) VALUES (%s, %s, 1) "
    "ON CONFLICT (unit, day) DO UPDATE SET last = code_counters.last + 1 "
    "RETURNING last, nextval(pg_get_serial_sequence('dossiers', 'id'))")
_NEXT_CODE_AND_ID = _numbered(NEXT_CODE_AND_ID)
_COMPLETION_KEY = _numbered(hot_sql.completion_key("%s"))
_STATEMENTS: dict[tuple[Any, ...], bytes] = {}


def _bind(name: str, value: Any) -> Any:
    """A value as it is sent: JSON as text made by the store's codec (as SQLAlchemy makes
    it), instants checked to be aware."""
    if value is None:
        return None
    if name in _JSON:
        return jsoncodec.dumps(value)
    if name in _INSTANTS and value.tzinfo is None:
        raise ValueError(f"naive datetime given to the store for {name}")
    return value


def _utc(row: list[Any], positions: list[int]) -> None:
    for i in positions:
        if row[i] is not None:
            row[i] = row[i].astimezone(UTC)


def lock_task_dossier(conn: Any, province: str, task_id: str,
                      key: tuple[int, str] | None = None
                      ) -> tuple[tuple[dict[str, Any], list[dict[str, Any]]] | None,
                                 dict[str, Any] | None]:
    """The dossier of a task, row locked, and its open tasks, as column dicts (None if
    there is no such task); with `key` (principal id, Idempotency-Key) also that key's
    stored answer, read once the lock is held (None if there is none). One round trip,
    with the transaction's BEGIN."""
    steps = [*begin_if_idle(conn), Step(_LOCK_TASK_DOSSIER, (province, task_id), prepare=True),
             Step(_OPEN_TASKS, (province, task_id), prepare=True)]
    if key is not None:
        steps.append(Step(_COMPLETION_KEY, key, prepare=True))
    results = exchange(conn, steps)
    stored = None
    if key is not None:
        first = rows(conn, results.pop())
        stored = dict(zip(KEY_READ_COLUMNS, first[0])) if first else None
    found = rows(conn, results[-2])
    if not found:
        return None, stored
    first = list(found[0])
    _utc(first, _D_INSTANTS)
    tasks = []
    for row in rows(conn, results[-1]):
        values = list(row)
        _utc(values, _T_INSTANTS)
        tasks.append(dict(zip(TASK_COLUMNS, values)))
    return (dict(zip(READ_DOSSIER_COLUMNS, first)), tasks), stored


def completion_key(conn: Any, principal_id: int, key: str) -> dict[str, Any] | None:
    """A caller's Idempotency-Key as stored with its first answer, or None."""
    steps = [*begin_if_idle(conn), Step(_COMPLETION_KEY, (principal_id, key), prepare=True)]
    found = rows(conn, exchange(conn, steps)[-1])
    return dict(zip(KEY_READ_COLUMNS, found[0])) if found else None


def next_code_and_id(conn: Any, unit: str, day: str) -> tuple[int, int]:
    """The day's next code number for the unit (its counter row stays locked until commit)
    and an id for the new dossier, in one round trip."""
    steps = [*begin_if_idle(conn), Step(_NEXT_CODE_AND_ID, (unit, day), prepare=True)]
    (number, dossier_id), = rows(conn, exchange(conn, steps)[-1])
    return int(number), int(dossier_id)


# A dossier's task units with those of its new tasks (a parameter), each once, sorted.
_MERGED_UNITS = ("task_units = (SELECT array_agg(DISTINCT u ORDER BY u) FROM "
                 "unnest(array_cat(dossiers.task_units, %s::text[])) AS u)")


def _write_statement(new: bool, updated: tuple[str, ...] | None, closes: int, tasks: int,
                     history: int, keys: int, holds: int = 0, events: int = 0,
                     stats: tuple[stats_sql.Shape, ...] = (), saved_units: bool = False,
                     other_units: int = 0) -> bytes:
    """The SQL of one command's writes: one data-modifying CTE per kind of write. The parts
    all run, once, whatever the final SELECT reads. That SELECT is the row-version guard:
    when the guarded UPDATE matched no row it divides by zero, and the error aborts the
    transaction before the COMMIT queued behind it can run. `saved_units`: the guarded
    UPDATE also adds the units of new tasks to the dossier's; `other_units`: so many other
    dossiers get theirs by an UPDATE each (a row is updated by one part only)."""
    key = (new, updated, closes, tasks, history, keys, holds, events, stats, saved_units,
           other_units)
    sql = _STATEMENTS.get(key)
    if sql is not None:
        return sql
    parts = []
    if new:
        parts.append(f"new_dossier AS (INSERT INTO dossiers "
                     f"({names(DOSSIER_COLUMNS)}) "
                     f"VALUES {values(DOSSIER_COLUMNS, 1, '%s')})")
    if updated is not None:
        sets = [f"{quoted(c)} = %s" for c in updated] + ([_MERGED_UNITS] if saved_units else [])
        parts.append(f"saved AS (UPDATE dossiers SET {', '.join(sets)}, row_version = %s "
                     "WHERE id = %s AND row_version = %s RETURNING 1)")
    for i in range(other_units):
        parts.append(f"units_{i} AS (UPDATE dossiers SET {_MERGED_UNITS} WHERE id = %s)")
    for i in range(closes):
        parts.append(f"closed_{i} AS (UPDATE tasks SET status = %s, completed_at = %s, "
                     "completed_by = %s WHERE id = ANY(%s))")
    for i in range(holds):
        parts.append(f"held_{i} AS (UPDATE tasks SET holder_id = %s, held_since = %s, "
                     "assigned_by = %s WHERE id = %s)")
    if tasks:
        parts.append(f"new_tasks AS (INSERT INTO tasks "
                     f"({names(INSERT_TASK_COLUMNS)}) "
                     f"VALUES {values(INSERT_TASK_COLUMNS, tasks, '%s')})")
    if history:
        parts.append(f"new_history AS (INSERT INTO history_events "
                     f"({names(HISTORY_COLUMNS)}) "
                     f"VALUES {values(HISTORY_COLUMNS, history, '%s')})")
    if keys:
        parts.append(f"new_keys AS (INSERT INTO completion_keys ({names(KEY_COLUMNS)}) "
                     f"VALUES {values(KEY_COLUMNS, keys, '%s')})")
    for i, shape in enumerate(stats):  # the figures' tables (stats_sql)
        parts.append(f"counted_{i} AS ({stats_sql.statement(shape, '%s', True)})")
    if events:  # webhook deliveries: their ids come back from the final SELECT
        parts.append(webhook_sql.events(events, "%s", True))
        parts.append(f"new_deliveries AS ({webhook_sql.INSERT_DELIVERIES})")
    final = "SELECT 1 / count(*) FROM saved" if updated is not None else "SELECT 1"
    if events:
        final = (f"SELECT ({final}), (SELECT array_agg(id ORDER BY id) "
                 "FROM new_deliveries)")
    sql = _numbered(f"WITH {', '.join(parts)} {final}" if parts else final)
    if len(_STATEMENTS) < 512:
        _STATEMENTS[key] = sql
    return sql


def write(conn: Any, *, new: dict[str, Any] | None,
          dossier: tuple[int, int, dict[str, Any]] | None,
          closes: Sequence[tuple[list[str], str, datetime, int | None]],
          new_tasks: Sequence[dict[str, Any]], history: Sequence[dict[str, Any]],
          keys: Sequence[dict[str, Any]] = (),
          holds: Sequence[tuple[str, int | None, datetime | None, int | None]] = (),
          commit: bool = False, events: Sequence[dict[str, Any]] = (),
          delivery_ids: list[int] | None = None,
          stats: Sequence[stats_sql.Upsert] = (),
          task_units: Mapping[int, Sequence[str]] | None = None) -> int:
    """All of a command's hot-path writes as one statement, and with `commit` the COMMIT in
    the same round trip: `new` is a dossier row to insert, `dossier` is (id, row version
    read, changed columns) of one to update, `keys` completion keys to store, `holds` who
    holds which task now, `stats` changes of the figures' tables (engine.store.stats_sql),
    `task_units` the units of new tasks by dossier id, added to those dossiers' own (a new
    dossier's are in `new`). Returns the number of dossier rows updated: 1, or 0 when the
    row version moved, and then nothing was written or committed."""
    params: list[Any] = []
    if new is not None:
        params += [_bind(c, new[c]) for c in DOSSIER_COLUMNS]
    updated = None
    units = dict(task_units or {})
    saved_units = False
    if dossier is not None:
        dossier_id, version, changes = dossier
        updated = tuple(sorted(changes))
        params += [_bind(c, changes[c]) for c in updated]
        if dossier_id in units:
            saved_units = True
            params.append(list(units.pop(dossier_id)))
        params += [version + 1, dossier_id, version]
    for other_id, other in sorted(units.items()):
        params += [list(other), other_id]
    for ids, status, at, by in closes:
        params += [status, _bind("completed_at", at), by, ids]
    for task_id, holder_id, since, assigned_by in holds:
        params += [holder_id, _bind("held_since", since), assigned_by, task_id]
    for row in new_tasks:
        params += [_bind(c, row[c]) for c in INSERT_TASK_COLUMNS]
    for row in history:
        params += [_bind(c, row.get(c)) for c in HISTORY_COLUMNS]
    for row in keys:
        params += [_bind(c, row[c]) for c in KEY_COLUMNS]
    for upsert in stats:
        params += upsert.params(True)
    for event in events:
        params += [_bind(c, event[c]) for c in webhook_sql.EVENT_COLUMNS]
    sql = _write_statement(new is not None, updated, len(closes), len(new_tasks), len(history),
                           len(keys), len(holds), len(events),
                           tuple(u.shape for u in stats), saved_units, len(units))
    steps = [*begin_if_idle(conn), Step(sql, params, prepare=True)]
    if commit:
        steps.append(Step(b"COMMIT"))
    try:
        results = exchange(conn, steps)
    except errors.DivisionByZero:  # the row-version guard (see _write_statement)
        return 0
    if events and delivery_ids is not None:
        (_, made), = rows(conn, results[-2 if commit else -1])
        delivery_ids.extend(int(i) for i in made or ())
    return 1
