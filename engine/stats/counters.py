"""The counters kept per province × day × procedure × unit × channel, and what each change
of a dossier adds to them.

A dossier is counted on the local day it was received (`received`, and later `digitised`
and `portal_synced`, which describe the dossiers received that day), on the local day it
ended (finished, withdrawn or stopped), on the day it was rated, the day a payment reached
it and the day the portal took a push of it, under its receiving unit, its procedure and
its channel. Summing the counters of the days before a period gives the dossiers carried
over into it; those of the period give its flows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.deadlines.timeliness import LOCAL_TZ

# Every counter, in the order the table stores them. `processing_hours` is a sum of working
# hours (supplement time subtracted); the others count dossiers or ratings.
COUNTERS = ("received", "finished_early", "finished_on_time", "finished_late",
            "finished_untimed", "refused", "multi_supplement", "withdrawn", "stopped",
            "processing_count", "processing_hours", "rated_1", "rated_2", "rated_3",
            "rated_4", "rated_5", "complaints", "unhappy", "digitised",
            "results_electronic", "payments", "payments_online", "portal_synced",
            "portal_pushes", "portal_pushes_timely")
FINISHED = ("finished_early", "finished_on_time", "finished_late", "finished_untimed")
ENDED = (*FINISHED, "withdrawn", "stopped")
RATED = ("rated_1", "rated_2", "rated_3", "rated_4", "rated_5")
REFUSED_PORTAL_CODE = 3  # the national portal's "refused" (DOMAIN.md §6)
# A change of a dossier the national portal took within this long was published in time.
PUSH_IN_TIME = timedelta(hours=24)
# `dossiers.files_kept`: what the dossier holds as files (engine.services.flow.submissions).
PAPERS_KEPT, RESULT_KEPT = 1, 2


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
                processing_hours: float | None, files_kept: int = 0) -> dict[str, float]:
    """A dossier finished. Under Decision 766 one with more than one supplement request
    counts as late, whatever its clock says; one that ended at a refusal is counted among
    the finished and also as `refused`; one whose result was kept as a file (an officer's
    upload) is `results_electronic`."""
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
    if files_kept & RESULT_KEPT:
        delta["results_electronic"] = 1
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


def on_digitised() -> dict[str, float]:
    """The first of the applicant's papers kept as a file: counted once per dossier, on the
    day the dossier was received (the share of the dossiers received that were digitised)."""
    return {"digitised": 1}


def is_payment(payload: Any) -> bool:
    """A message delivered to the process that names a numeric `amount` is a payment (as the
    sync packet's `fees` reads it: the tax office's `fee_paid` of land registration...)."""
    return isinstance(payload, dict) and isinstance(payload.get("amount"), int | float) \
        and not isinstance(payload.get("amount"), bool)


def on_paid(payload: dict[str, Any]) -> dict[str, float]:
    """A payment delivered; online when its payload says `"channel": "online"`."""
    delta: dict[str, float] = {"payments": 1}
    if payload.get("channel") == "online":
        delta["payments_online"] = 1
    return delta


def on_pushed(first: bool, changed_at: datetime, taken_at: datetime
              ) -> list[tuple[str, dict[str, float]]]:
    """The national portal took a push of a dossier's change: counted on the day it took it
    (`in time` within PUSH_IN_TIME of the change) and, the first time for the dossier, as
    `portal_synced` on the day the dossier was received. ("taken", "received") say which
    day each part is counted on."""
    pushed: dict[str, float] = {"portal_pushes": 1}
    if taken_at - changed_at <= PUSH_IN_TIME:
        pushed["portal_pushes_timely"] = 1
    out = [("taken", pushed)]
    if first:
        out.append(("received", {"portal_synced": 1}))
    return out


def merged(deltas: list[tuple[Key, dict[str, float]]]) -> list[tuple[Key, dict[str, float]]]:
    """One delta per key (an UPSERT may touch a row once), in first-seen order."""
    out: dict[Key, dict[str, float]] = {}
    for key, delta in deltas:
        into = out.setdefault(key, {})
        for name, value in delta.items():
            into[name] = into.get(name, 0) + value
    return list(out.items())
