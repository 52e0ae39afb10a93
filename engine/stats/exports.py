"""The figures as a table, for CSV and XLSX: one row per group (or one for the scope)."""
from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    ("received", ("received", "total")), ("received_new", ("received", "new")),
    ("carried_over", ("received", "carried_over")), ("received_online", ("received", "online")),
    ("online_share", ("received", "online_share")), ("finished", ("finished", "total")),
    ("finished_early", ("finished", "early")), ("finished_on_time", ("finished", "on_time")),
    ("finished_late", ("finished", "late")), ("no_time_limit", ("finished", "no_time_limit")),
    ("on_time_rate", ("finished", "on_time_rate")),
    ("more_than_one_supplement", ("finished", "more_than_one_supplement")),
    ("refused", ("finished", "refused")), ("withdrawn", ("withdrawn",)),
    ("stopped", ("stopped",)), ("pending_at_end", ("pending_at_end",)),
    ("open_within_time", ("open_now", "within_time")),
    ("open_approaching", ("open_now", "approaching")),
    ("open_overdue", ("open_now", "overdue")), ("open_paused", ("open_now", "paused")),
    ("average_working_days", ("average_processing", "working_days")),
    ("ratings", ("ratings", "count")), ("rating_average", ("ratings", "average")),
    ("complaints", ("ratings", "complaints")),
    ("received_digitised", ("digitisation", "received_digitised")),
    ("results_electronic", ("digitisation", "results_electronic")),
    ("payments", ("payments", "total")), ("payments_online", ("payments", "online")),
    ("received_synced_to_portal", ("portal", "received_synced")),
    ("portal_pushes", ("portal", "pushes")),
    ("portal_pushes_in_time", ("portal", "pushes_in_time")),
)


def _get(figs: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = figs
    for part in path:
        if value is None:
            return None
        value = value.get(part)
    return value


def rows(report: dict[str, Any]) -> list[list[Any]]:
    """Header and rows: the groups, else the whole scope."""
    head = ["group", *(name for name, _ in COLUMNS)]
    body = [(g["group"], g) for g in report["groups"]] or [("total", report["total"])]
    return [head, *([group, *(_get(figs, path) for _, path in COLUMNS)]
                    for group, figs in body)]


def as_csv(report: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows(report):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def as_xlsx(report: dict[str, Any]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("figures")
    for r, row in enumerate(rows(report)):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()
