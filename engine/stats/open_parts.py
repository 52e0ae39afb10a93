"""The dossiers open now, kept as counts so that how they stand against their clocks is
read without visiting them.

An open dossier (status in process or error) is one of: `paused` (its clock waits for the
applicant), `untimed` (no statutory clock), or timed; a timed one is counted under the
local day of its due instant (`due`) and, if it has a warning instant, under that day too
(`warn`) and again under its due day (`warned_due`). At a moment `now` of local day T:

    overdue      = due days before T + those due on T before now
    approaching  = warn days before T + warned on T by now − warned_due overdue (idem)
    within_time  = every timed − overdue − approaching

(a warning instant never follows its due instant: it is the due instant less a span, or
the start; a resumption moves both by the same working time). Only the dossiers whose
due or warning instant falls on day T are read, to split that day at `now`.

A dossier's part changes only when one of WATCHED changes (a crossing into approaching or
overdue does not change it): the store compares a dossier's parts before and after each
write and adds the difference, in the writing transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from engine.deadlines.timeliness import LOCAL_TZ

OPEN_STATUSES = ("in_process", "error")
WATCHED = ("province", "procedure_code", "unit", "channel", "status", "paused_since",
           "due_at", "warn_at")
WATCHED_SET = frozenset(WATCHED)
NO_DAY = date(1900, 1, 1)  # the day of the kinds that have none (paused, untimed)
KINDS = ("paused", "untimed", "due", "warn", "warned_due")


@dataclass(frozen=True)
class OpenKey:
    province: str
    procedure: str
    unit: str
    channel: str
    kind: str
    day: date


def _day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def parts(row: Mapping[str, Any] | None) -> list[OpenKey]:
    """Where a dossier (its WATCHED columns) is counted; none if it is not open."""
    if row is None or row["status"] not in OPEN_STATUSES:
        return []
    base = (row["province"], row["procedure_code"] or "", row["unit"], row["channel"])
    if row["paused_since"] is not None:
        return [OpenKey(*base, "paused", NO_DAY)]
    due, warn = row["due_at"], row["warn_at"]
    if due is None:
        return [OpenKey(*base, "untimed", NO_DAY)]
    out = [OpenKey(*base, "due", _day(due))]
    if warn is not None:
        out += [OpenKey(*base, "warn", _day(warn)), OpenKey(*base, "warned_due", _day(due))]
    return out


def deltas(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
           ) -> list[tuple[OpenKey, int]]:
    """What a write moves: −1 for each part it leaves, +1 for each it enters."""
    out: dict[OpenKey, int] = {}
    for key in parts(before):
        out[key] = out.get(key, 0) - 1
    for key in parts(after):
        out[key] = out.get(key, 0) + 1
    return [(k, n) for k, n in out.items() if n]


def merged(moves: Iterable[tuple[OpenKey, int]]) -> list[tuple[OpenKey, int]]:
    out: dict[OpenKey, int] = {}
    for key, n in moves:
        out[key] = out.get(key, 0) + n
    return [(k, n) for k, n in out.items() if n]


def day_start(now: datetime) -> datetime:
    """The first instant of `now`'s local day."""
    return datetime.combine(_day(now), time(0), tzinfo=LOCAL_TZ)


def classes(kept: Mapping[str, int], before_today: Mapping[str, int],
            today: Mapping[str, int]) -> dict[str, int]:
    """The open dossiers by class: `kept` sums each kind over every day, `before_today`
    over the days before today, `today` counts today's dossiers past their instant
    (`due`: due before now; `warn`: warned by now; `warned_due`: warned and due before now)."""
    def past(kind: str) -> int:
        return int(before_today.get(kind, 0) + today.get(kind, 0))
    overdue = past("due")
    approaching = past("warn") - past("warned_due")
    timed = int(kept.get("due", 0))
    return {"within_time": timed - overdue - approaching, "approaching": approaching,
            "overdue": overdue, "paused": int(kept.get("paused", 0)),
            "untimed": int(kept.get("untimed", 0))}
