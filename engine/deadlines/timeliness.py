"""Timeliness classes of DOMAIN.md §4: open dossiers and tasks, and finished ones."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN_CLASSES = ("within_time", "approaching", "overdue")
FINISHED_CLASSES = ("early", "on_time", "late")


def classify_open(now: datetime, due: datetime | None, warn: datetime | None) -> str | None:
    """`overdue` past the due instant, `approaching` inside the warning band, else within."""
    if due is None:
        return None
    if now > due:
        return "overdue"
    if warn is not None and now >= warn:
        return "approaching"
    return "within_time"


def classify_finished(finished: datetime, due: datetime | None) -> str | None:
    """`late` after the due instant; `early` on a local day before the due day; else on time.

    Provinces report "early" (trước hạn) for results given before the appointment day, and
    "on time" for results given on that day up to the due instant.
    """
    if due is None:
        return None
    if finished > due:
        return "late"
    if finished.astimezone(LOCAL_TZ).date() < due.astimezone(LOCAL_TZ).date():
        return "early"
    return "on_time"
