"""The one UPSERT that adds a command's counted changes to the figures' counters
(engine.stats.counters): a row per key, created at the first change of its day, otherwise
incremented in place. It runs in the command's own transaction with its other writes
(`pg_hot` folds it into the command's one statement, `sqlite_hot` runs it after them).
"""
from __future__ import annotations

from typing import Any

from engine.stats.counters import COUNTERS, Key

KEY_COLUMNS = ("province", "day", "procedure_code", "unit", "channel")
COLUMNS = (*KEY_COLUMNS, *COUNTERS)
PG_TYPES = {"day": "date", "processing_hours": "double precision"}


def values_of(key: Key, delta: dict[str, float]) -> list[Any]:
    return [key.province, key.day, key.procedure, key.unit, key.channel,
            *(delta.get(name, 0) for name in COUNTERS)]


def upsert(rows: int, placeholder: str, pg: bool) -> str:
    def cast(name: str) -> str:
        if not pg:
            return placeholder
        return f"CAST({placeholder} AS {PG_TYPES.get(name, 'int' if name in COUNTERS else 'text')})"
    one = "(" + ", ".join(cast(c) for c in COLUMNS) + ")"
    sets = ", ".join(f"{c} = stats_counts.{c} + excluded.{c}" for c in COUNTERS)
    return (f"INSERT INTO stats_counts ({', '.join(COLUMNS)}) VALUES "
            f"{', '.join([one] * rows)} ON CONFLICT ({', '.join(KEY_COLUMNS)}) "
            f"DO UPDATE SET {sets}")
