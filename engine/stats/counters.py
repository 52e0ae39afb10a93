"""The counters kept per province × day × procedure × unit × channel, and what each change
of a dossier adds to them.

A dossier is counted on the local day it was received (`received`), on the local day it
ended (finished, withdrawn or stopped) and on the day it was rated, under its receiving
unit, its procedure and its channel. Summing the counters of the days before a period gives
the dossiers carried over into it; those of the period give its flows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.deadlines.timeliness import LOCAL_TZ

# Every counter, in the order the table stores them. `processing_hours` is a sum of working
# hours (supplement time subtracted); the others count dossiers or ratings.
COUNTERS = ("received", "finished_early", "finished_on_time", "finished_late",
            "finished_untimed", "refused", "multi_supplement", "withdrawn", "stopped",
            "processing_count", "processing_hours", "rated_1", "rated_2", "rated_3",
            "rated_4", "rated_5", "complaints", "unhappy")
FINISHED = ("finished_early", "finished_on_time", "finished_late", "finished_untimed")
ENDED = (*FINISHED, "withdrawn", "stopped")
RATED = ("rated_1", "rated_2", "rated_3", "rated_4", "rated_5")
REFUSED_PORTAL_CODE = 3  # the national portal's "refused" (DOMAIN.md §6)


@dataclass(frozen=True)
class Key:
    """Where a change is counted. `procedure` is "" for a dossier of no procedure."""

    province: str
    day: date
    procedure: str
    unit: str
    channel: str


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()


def key_of(dossier: Any, at: datetime) -> Key:
    return Key(dossier.province, local_day(at), dossier.procedure_code or "", dossier.unit,
               dossier.channel)


def on_received() -> dict[str, float]:
    return {"received": 1}


def on_finished(timeliness: str | None, pause_count: int, portal_status: int | None,
                processing_hours: float | None) -> dict[str, float]:
    """A dossier finished. Under Decision 766 one with more than one supplement request
    counts as late, whatever its clock says; one that ended at a refusal is counted among
    the finished and also as `refused`."""
    multi = pause_count > 1
    if timeliness is None:
        cls = "finished_untimed"
    elif multi or timeliness == "late":
        cls = "finished_late"
    else:
        cls = f"finished_{timeliness}"
    delta: dict[str, float] = {cls: 1}
    if multi:
        delta["multi_supplement"] = 1
    if portal_status == REFUSED_PORTAL_CODE:
        delta["refused"] = 1
    if processing_hours is not None:
        delta["processing_count"] = 1
        delta["processing_hours"] = max(0.0, processing_hours)
    return delta


def on_ended(kind: str) -> dict[str, float]:
    """Withdrawn by the applicant or stopped by the agency."""
    if kind not in ("withdrawn", "stopped"):
        raise ValueError(f"not an ending: {kind}")
    return {kind: 1}


def on_rated(level: int, complaint: bool) -> dict[str, float]:
    """A rating; `unhappy` counts it once if it is dissatisfied (level 1 or 2) or carries
    a complaint, or both."""
    delta: dict[str, float] = {f"rated_{level}": 1}
    if complaint:
        delta["complaints"] = 1
    if complaint or level <= 2:
        delta["unhappy"] = 1
    return delta


def merged(deltas: list[tuple[Key, dict[str, float]]]) -> list[tuple[Key, dict[str, float]]]:
    """One delta per key (an UPSERT may touch a row once), in first-seen order."""
    out: dict[Key, dict[str, float]] = {}
    for key, delta in deltas:
        into = out.setdefault(key, {})
        for name, value in delta.items():
            into[name] = into.get(name, 0) + value
    return list(out.items())
