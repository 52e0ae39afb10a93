"""The tracking book (form 07) of a unit for a period: every dossier it received, or was
handed, on the days from `from` to `to` (Vietnam's time, both included), in order of
reception; made on demand from the dossiers, their hand-overs and returns of result."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.access import Caller
from engine.access.policy import read_tracking_book
from engine.codes import LOCAL_TZ
from engine.documents.tracking_book import BookRow, TrackingBookFields, render_tracking_book
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.services.flow.statutory import dossier_timeliness
from engine.store import org
from engine.store.models import Dossier, HistoryEvent

MAX_DAYS = 366
MAX_ROWS = 20_000
KINDS = ("dossier.handed_over", "dossier.result_returned")
ENDINGS = {"withdrawn": "Rút hồ sơ", "stopped": "Dừng xử lý", "error": "Lỗi quy trình"}


def tracking_book(ctx: Context, caller: Caller, unit: str, start: date, end: date
                  ) -> TrackingBookFields:
    """The book, for the unit's own officers, the province's auditors and administrators
    (the last without the applicants). A unit of another province does not exist."""
    _check_period(start, end)
    now = ctx.clock.now()
    since = datetime.combine(start, time(), LOCAL_TZ)
    until = datetime.combine(end + timedelta(days=1), time(), LOCAL_TZ)
    with ctx.uow(readonly=True) as uow:
        row = org.unit(uow.session, unit)
        if row is None or row.province != caller.province:
            raise NotFound(f"no unit {unit}")
        shown = read_tracking_book(caller, unit)
        dossiers = list(uow.repo.unit_register(caller.province, unit, since, until,
                                               MAX_ROWS + 1))
        if len(dossiers) > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} dossiers in the period", errors=[
                {"field": "from", "message": f"the period holds more than {MAX_ROWS} "
                                             "dossiers: ask for a shorter one"}])
        events = uow.repo.events_of_kinds([d.id for d in dossiers], KINDS)
        names = uow.repo.unit_names_of(caller.province)
        procedures = {p.code: p.data.get("name") for p in uow.repo.procedures(caller.province)}
        _, agency = uow.repo.unit_names(unit)

    def unit_name(code: str | None) -> str:
        return names.get(code or "") or code or ""

    rows = [_row(d, events.get(d.id, []), now, shown, unit_name,
                 str(procedures.get(d.procedure_code or "") or d.process_key))
            for d in dossiers]
    return TrackingBookFields(
        unit_code=unit, unit_name=unit_name(unit), agency=agency or "",
        period_from=start.isoformat(), period_to=end.isoformat(),
        issued_at=now.isoformat(), applicants_shown=shown, rows=rows)


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("the period ends before it starts", errors=[
            {"field": "to", "message": "must not be before from"}])
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a period of at most {MAX_DAYS} days", errors=[
            {"field": "to", "message": f"at most {MAX_DAYS} days after from"}])


def _row(d: Dossier, events: list[HistoryEvent], now: datetime, shown: bool,
         unit_name: Any, procedure: str) -> BookRow:
    """Handed over: the first hand-over away from the receiving unit; result back: the
    first hand-over back to it after that; returned: the recorded return of the result."""
    handed = back = returned = None
    for e in events:
        p = e.payload if isinstance(e.payload, dict) else {}
        if e.kind == "dossier.handed_over":
            if handed is None and p.get("from_unit") == d.unit and p.get("to_unit") != d.unit:
                handed = (e, str(p.get("to_unit") or ""))
            elif handed is not None and back is None and p.get("to_unit") == d.unit:
                back = e
        elif e.kind == "dossier.result_returned" and returned is None:
            returned = (str(p.get("returned_at") or e.at.isoformat()),
                        str(p.get("returned_to") or ""))
    applicant = d.applicant if isinstance(d.applicant, dict) and shown else {}
    remarks = [ENDINGS[d.status]] if d.status in ENDINGS else []
    if d.pause_count:
        remarks.append(f"Yêu cầu bổ sung {d.pause_count} lần")
    if d.new_appointment_at is not None:
        remarks.append(f"Hẹn lại {d.new_appointment_at.astimezone(LOCAL_TZ):%d/%m/%Y}")
    appointment = d.new_appointment_at or d.due_at
    return BookRow(
        dossier_code=d.code, procedure=procedure,
        applicant_name=_text(applicant.get("name")),
        applicant_address=_text(applicant.get("address")),
        applicant_phone=_text(applicant.get("phone")),
        lead_unit=unit_name(d.handling_unit or d.unit),
        received_at=d.received_at.isoformat(),
        appointment_at=appointment.isoformat() if appointment is not None else None,
        handed_over_at=handed[0].at.isoformat() if handed else None,
        handed_over_to=unit_name(handed[1]) if handed else "",
        result_back_at=back.at.isoformat() if back else None,
        returned_at=returned[0] if returned else None,
        returned_to=returned[1] if returned and shown else "",
        status=d.status, timeliness=dossier_timeliness(d, now), remarks="; ".join(remarks))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_pdf(book: TrackingBookFields) -> tuple[str, bytes]:
    return _name(book, "pdf"), render_tracking_book(book)


def as_csv(book: TrackingBookFields) -> tuple[str, bytes]:
    """One row per dossier, UTF-8 with a byte-order mark (spreadsheets read the diacritics)."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = list(BookRow.__dataclass_fields__)
    writer.writerow(["n", *columns])
    for n, r in enumerate(book.rows, 1):
        writer.writerow([n, *("" if v is None else v for v in (getattr(r, c) for c in columns))])
    return _name(book, "csv"), ("\ufeff" + out.getvalue()).encode()


def _name(book: TrackingBookFields, ext: str) -> str:
    return f"so-theo-doi-{book.unit_code}-{book.period_from}-{book.period_to}.{ext}"
