"""The SQL both hot paths share (`pg_hot`, `sqlite_hot`), built from the table definitions:
column lists, the locking read of a task's dossier, multi-row VALUES. Each backend passes
its own placeholder (`%s` or `?`)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table

from engine.store.models import CompletionKey, Dossier, HistoryEvent, Task

DOSSIERS = cast(Table, Dossier.__table__)
TASKS = cast(Table, Task.__table__)
HISTORY = cast(Table, HistoryEvent.__table__)
KEYS = cast(Table, CompletionKey.__table__)

DOSSIER_COLUMNS = [c.name for c in DOSSIERS.c]
# What the locking reads return: every column but those only searched (the name's prefixes,
# written at intake, and the task units, written with new tasks).
READ_DOSSIER_COLUMNS = [c for c in DOSSIER_COLUMNS if c not in ("name_prefixes", "task_units")]
TASK_COLUMNS = [c.name for c in TASKS.c]
# What a new inbox row is written with (the rest is filled in when it is closed).
INSERT_TASK_COLUMNS = ["id", "dossier_id", "province", "unit", "position", "element_id", "name",
                       "form", "status", "created_at", "due_at", "warn_at"]
HISTORY_COLUMNS = [c.name for c in HISTORY.c if c.name != "id"]
KEY_COLUMNS = [c.name for c in KEYS.c]
# A completion's Idempotency-Key as stored: what was asked, and the first answer.
KEY_READ_COLUMNS = ["task_id", "request_hash", "answer"]


def completion_key(placeholder: str) -> str:
    """The stored first answer of a caller's Idempotency-Key (by principal id and key)."""
    return (f"SELECT {names(KEY_READ_COLUMNS)} FROM completion_keys "
            f"WHERE principal_id = {placeholder} AND \"key\" = {placeholder}")


def quoted(name: str) -> str:
    return f'"{name}"'


def names(columns: Sequence[str]) -> str:
    """`"a", "b", …` for an INSERT's column list."""
    return ", ".join(quoted(c) for c in columns)


def values(columns: Sequence[str], rows: int, placeholder: str) -> str:
    """`(p, p, …), (p, p, …)`: `rows` rows of one placeholder per column."""
    one = f"({', '.join([placeholder] * len(columns))})"
    return ", ".join([one] * rows)


def lock_task_dossier(placeholder: str, *, state: str = 'd."state"', lock: str = "") -> str:
    """The dossier of a task (by province and task id) with its open tasks, one row per open
    task (or one row with NULL task columns). `state` is how the state column is selected;
    `lock` ends the statement (`FOR UPDATE OF d` on PostgreSQL)."""
    dossier = [state if c == "state" else f"d.{quoted(c)}" for c in READ_DOSSIER_COLUMNS]
    return (f"SELECT {', '.join(dossier)}, {', '.join('t.' + quoted(c) for c in TASK_COLUMNS)} "
            "FROM dossiers d LEFT JOIN tasks t ON t.dossier_id = d.id AND t.status = 'open' "
            f"WHERE d.id = (SELECT dossier_id FROM tasks WHERE province = {placeholder} "
            f"AND id = {placeholder}) {lock}").rstrip()


def locked_dossier_of_task(placeholder: str, *, state: str, lock: str) -> str:
    """The dossier of a task (by province and task id), its row locked by `lock`."""
    dossier = [state if c == "state" else f"d.{quoted(c)}" for c in READ_DOSSIER_COLUMNS]
    return (f"SELECT {', '.join(dossier)} FROM dossiers d "
            f"WHERE d.id = (SELECT dossier_id FROM tasks WHERE province = {placeholder} "
            f"AND id = {placeholder}) {lock}")


def open_tasks_of_task_dossier(placeholder: str) -> str:
    """The open tasks of a task's dossier (by province and task id)."""
    return (f"SELECT {', '.join('t.' + quoted(c) for c in TASK_COLUMNS)} FROM tasks t "
            f"WHERE t.dossier_id = (SELECT dossier_id FROM tasks WHERE province = "
            f"{placeholder} AND id = {placeholder}) AND t.status = 'open'")
