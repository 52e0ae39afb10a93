"""The figures' counters, kept up to date by the commands that change what they count:
intake (received), the step that finishes a dossier, withdrawal and stop, the rating, the
first of the applicant's papers kept as a file, a payment delivered to the process, and
the national portal taking a push of the dossier.

Each adds its change to the unit of work, which writes the command's changes in one UPSERT
with its other writes (engine.store.stats_sql): the figures never scan the dossiers.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.calendar import working_time_between
from engine.stats import counters
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork


def received(uow: UnitOfWork, dossier: DossierRow, at: datetime) -> None:
    uow.repo.count(counters.key_of(dossier, dossier.received_at or at), counters.on_received())


def finished(uow: UnitOfWork, dossier: DossierRow, cal: Any, at: datetime) -> None:
    """The dossier's result is given (its clock stopped and its portal status set)."""
    uow.repo.count(counters.key_of(dossier, at), counters.on_finished(
        dossier.timeliness, dossier.pause_count or 0, dossier.portal_status,
        processing_hours(dossier, cal, at), dossier.files_kept or 0))


def ended(uow: UnitOfWork, dossier: DossierRow, kind: str, at: datetime) -> None:
    uow.repo.count(counters.key_of(dossier, at), counters.on_ended(kind))


def rated(uow: UnitOfWork, dossier: DossierRow, level: int, complaint: bool,
          at: datetime) -> None:
    uow.repo.count(counters.key_of(dossier, at), counters.on_rated(level, complaint))


def digitised(uow: UnitOfWork, dossier: DossierRow) -> None:
    uow.repo.count(counters.key_of(dossier, dossier.received_at), counters.on_digitised())


def message(uow: UnitOfWork, dossier: DossierRow, payload: Any, at: datetime) -> None:
    """A message delivered to the process: counted if it is a payment."""
    if counters.is_payment(payload):
        uow.repo.count(counters.key_of(dossier, at), counters.on_paid(payload))


def pushed(uow: UnitOfWork, dossier: DossierRow, first: bool, changed_at: datetime,
           at: datetime) -> None:
    """The national portal took a push of the dossier (`first`: its first)."""
    for day, delta in counters.on_pushed(first, changed_at, at):
        uow.repo.count(counters.key_of(dossier, at if day == "taken" else dossier.received_at),
                       delta)


def processing_hours(dossier: DossierRow, cal: Any, at: datetime) -> float | None:
    """Working hours from reception to the result, less the working hours the clock spent
    paused for supplements; None without a calendar to count them."""
    if cal is None:
        return None
    day = counters.local_day(dossier.received_at)
    spent = working_time_between(cal, dossier.received_at, at, as_of=day)
    return spent.total_seconds() / 3600 - float(dossier.paused_hours or 0.0)
