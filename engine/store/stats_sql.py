"""The UPSERTs that add a command's counted changes to the figures' tables: the counters
(engine.stats.counters) per key and per province and day, and the dossiers open now
(engine.stats.open_parts) per key and per province. A row is created at its first change,
otherwise added to in place. They run in the command's own transaction with its other
writes (`pg_hot` folds them into the command's one statement, `sqlite_hot` runs them
after the others).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.stats.counters import COUNTERS, Key
from engine.stats.open_parts import OpenKey
from engine.stats.spans import month_of, year_of

KEY_COLUMNS = ("province", "day", "procedure_code", "unit", "channel")
COLUMNS = (*KEY_COLUMNS, *COUNTERS)
PROVINCE_ADDS = (*COUNTERS, "received_online")
OPEN_KEYS = ("province", "procedure_code", "unit", "channel", "kind", "day")
SPAN_KEYS = ("province", "span", "start", "procedure_code", "unit", "channel")
PG_TYPES = {"day": "date", "start": "date", "processing_hours": "double precision"}


@dataclass(frozen=True)
class Upsert:
    """Rows to add to `table`: `keys` identify a row, `adds` are added to it."""

    table: str
    keys: tuple[str, ...]
    adds: tuple[str, ...]
    rows: list[list[Any]]

    @property
    def shape(self) -> Shape:
        """What its SQL depends on (a prepared statement's key)."""
        return self.table, self.keys, self.adds, len(self.rows)

    def params(self, pg: bool) -> list[Any]:
        return [v if pg or not isinstance(v, date) else v.isoformat()
                for row in self.rows for v in row]


Shape = tuple[str, tuple[str, ...], tuple[str, ...], int]


def statement(shape: Shape, placeholder: str, pg: bool) -> str:
    """The SQL of an Upsert of this shape."""
    table, keys, adds, rows = shape

    def cast(name: str) -> str:
        if not pg:
            return placeholder
        return f"CAST({placeholder} AS {PG_TYPES.get(name, 'int' if name in adds else 'text')})"
    columns = (*keys, *adds)
    one = "(" + ", ".join(cast(c) for c in columns) + ")"
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in adds)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"{', '.join([one] * rows)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}")


def values_of(key: Key, delta: dict[str, float]) -> list[Any]:
    return [key.province, key.day, key.procedure, key.unit, key.channel,
            *(delta.get(name, 0) for name in COUNTERS)]


def upserts(counts: Sequence[tuple[Key, dict[str, float]]],
            opens: Sequence[tuple[OpenKey, int]]) -> list[Upsert]:
    """The statements of a command's changes (each key once, as `merged` gives them)."""
    out = []
    if counts:
        out.append(Upsert("stats_counts", KEY_COLUMNS, COUNTERS,
                          [values_of(k, d) for k, d in counts]))
        spans: dict[tuple[Any, ...], dict[str, float]] = {}
        for k, d in counts:
            for span, first in (("month", month_of(k.day)), ("year", year_of(k.day))):
                into = spans.setdefault((k.province, span, first, k.procedure, k.unit,
                                         k.channel), {})
                for name, value in d.items():
                    into[name] = into.get(name, 0) + value
        out.append(Upsert("stats_counts_span", SPAN_KEYS, COUNTERS,
                          [[*key, *(d.get(n, 0) for n in COUNTERS)]
                           for key, d in spans.items()]))
        days: dict[tuple[str, date], dict[str, float]] = {}
        for k, d in counts:
            into = days.setdefault((k.province, k.day), {})
            for name, value in d.items():
                into[name] = into.get(name, 0) + value
            if k.channel == "online" and d.get("received"):
                into["received_online"] = into.get("received_online", 0) + d["received"]
        out.append(Upsert("stats_counts_province", ("province", "day"), PROVINCE_ADDS,
                          [[p, day, *(d.get(n, 0) for n in PROVINCE_ADDS)]
                           for (p, day), d in days.items()]))
    if opens:
        out.append(Upsert("stats_open", OPEN_KEYS, ("n",),
                          [[o.province, o.procedure, o.unit, o.channel, o.kind, o.day, n]
                           for o, n in opens]))
        whole: dict[tuple[str, str, date], int] = {}
        for o, n in opens:
            whole[(o.province, o.kind, o.day)] = whole.get((o.province, o.kind, o.day), 0) + n
        out.append(Upsert("stats_open_province", ("province", "kind", "day"), ("n",),
                          [[p, kind, day, n] for (p, kind, day), n in whole.items() if n]))
    return [u for u in out if u.rows]
