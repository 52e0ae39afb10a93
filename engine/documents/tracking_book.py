"""Form 07, the tracking book (*sổ theo dõi hồ sơ*): the register a unit keeps of the
dossiers it received or was handed in a period, one row per dossier.

Its columns follow the form of Circular 01/2018/TT-VPCP (numbered 07 since 2025): number,
dossier code, procedure, applicant (name; address, telephone), the lead unit, then
reception and return: received, appointment, handed over to the deciding unit, result back
from it, result returned to the applicant (and to whom), and remarks; the timeliness of
the dossier is printed with the return. Landscape A4, the headers again on every page.
Rendered from the fields alone, on demand.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from engine.codes import LOCAL_TZ
from engine.documents.layout import ITALIC, Page

TITLE = "SỔ THEO DÕI HỒ SƠ"
TIMELINESS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn",
              "within": "Trong hạn", "approaching": "Sắp đến hạn", "overdue": "Quá hạn"}
HEADERS = ["TT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên cá nhân, tổ chức",
           "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ",
           "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
           "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức",
           "Ghi chú"]
WIDTHS = [0.03, 0.15, 0.11, 0.09, 0.09, 0.08, 0.065, 0.065, 0.08, 0.07, 0.09, 0.07]


@dataclass(frozen=True)
class BookRow:
    """One dossier. Instants are ISO strings (None: not yet, or not recorded)."""

    dossier_code: str
    procedure: str
    applicant_name: str
    applicant_address: str
    applicant_phone: str
    lead_unit: str
    received_at: str
    appointment_at: str | None
    handed_over_at: str | None
    handed_over_to: str
    result_back_at: str | None
    returned_at: str | None
    returned_to: str
    status: str
    timeliness: str | None
    remarks: str


@dataclass(frozen=True)
class TrackingBookFields:
    unit_code: str
    unit_name: str
    agency: str
    period_from: str  # ISO dates, both included
    period_to: str
    issued_at: str
    applicants_shown: bool = True
    rows: list[BookRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def when(iso: str | None) -> str:
    """`hh:mm dd/mm/yyyy` in Vietnam's time, as the forms print instants."""
    if not iso:
        return ""
    return f"{datetime.fromisoformat(iso).astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}"


def _day(iso: str) -> str:
    return f"{date.fromisoformat(iso):%d/%m/%Y}"


def render_tracking_book(f: TrackingBookFields) -> bytes:
    issued = datetime.fromisoformat(f.issued_at).astimezone(LOCAL_TZ)
    page = Page(f"{TITLE} {f.unit_name or f.unit_code}", f.unit_name or f.unit_code, wide=True)
    page.header(f.unit_name or f.unit_code, f.agency, issued)
    page.title(TITLE, f"Từ ngày {_day(f.period_from)} đến ngày {_day(f.period_to)}")
    rows = []
    for n, r in enumerate(f.rows, 1):
        returned = when(r.returned_at) + (f" — {r.returned_to}" if r.returned_to else "")
        if r.timeliness:
            returned += f" ({TIMELINESS.get(r.timeliness, r.timeliness)})"
        rows.append([str(n), r.dossier_code, r.procedure, r.applicant_name,
                     ", ".join(p for p in (r.applicant_address, r.applicant_phone) if p),
                     r.lead_unit, when(r.received_at), when(r.appointment_at),
                     when(r.handed_over_at) + (f" — {r.handed_over_to}"
                                               if r.handed_over_to else ""),
                     when(r.result_back_at), returned.strip(), r.remarks])
    page.table(HEADERS, WIDTHS, rows, size=7.5)
    if not f.rows:
        page.line("Không có hồ sơ trong kỳ.", ITALIC)
    page.line(f"Tổng số: {len(f.rows)} hồ sơ.")
    return page.finish()
