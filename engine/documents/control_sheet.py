"""Form 06, the process control sheet (*phiếu kiểm soát quá trình giải quyết hồ sơ*): every
hand-over of the dossier from reception to the return of the result, who gave it, who
received it and when, and whether each step finished before, on or after its due time.

Laid out after the form of Circular 01/2018/TT-VPCP (numbered 06 since 2025): the agency,
the title, the dossier and its applicant, then one row per step. Rendered from the fields
alone, on demand (the dossier's tasks and history say everything it prints).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.codes import LOCAL_TZ
from engine.documents.layout import Page

TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
RESULTS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn",
           "open": "Đang giải quyết", "cancelled": "Dừng"}


@dataclass(frozen=True)
class Step:
    name: str
    handed_by: str  # the unit (and officer) that gave the dossier
    received_by: str  # the unit (and position) that received it
    handed_at: str  # ISO instants
    due_at: str | None
    done_at: str | None
    result: str  # a key of RESULTS
    done_by: str = ""


@dataclass(frozen=True)
class ControlSheetFields:
    dossier_code: str
    unit_name: str
    agency: str
    applicant_name: str
    procedure: str
    received_at: str
    issued_at: str
    due_at: str | None = None
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    return f"{datetime.fromisoformat(iso).astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}"


def render_control_sheet(f: ControlSheetFields) -> bytes:
    issued = datetime.fromisoformat(f.issued_at).astimezone(LOCAL_TZ)
    page = Page(f"{TITLE} {f.dossier_code}", f.unit_name)
    page.header(f.unit_name, f.agency, issued)
    page.title(TITLE, f"Mã hồ sơ: {f.dossier_code}")
    page.line(f"(Kèm theo hồ sơ của: {f.applicant_name})")
    page.line(f"Thủ tục: {f.procedure}")
    page.line(f"Tiếp nhận lúc: {_when(f.received_at)}"
              + (f"    Hẹn trả kết quả: {_when(f.due_at)}" if f.due_at else ""))
    rows = []
    for n, s in enumerate(f.steps, 1):
        rows.append([f"{n}. {s.name}",
                     f"Giao: {s.handed_by}\nNhận: {s.received_by}".replace("\n", " — "),
                     f"{_when(s.handed_at)}",
                     f"Hạn: {_when(s.due_at) or 'không quy định'}",
                     f"{RESULTS.get(s.result, s.result)}"
                     + (f" {_when(s.done_at)}" if s.done_at else ""),
                     s.done_by])
    page.table(["Bước", "Giao, nhận hồ sơ", "Thời gian giao, nhận", "Thời hạn",
                "Kết quả giải quyết", "Người thực hiện"],
               [0.17, 0.27, 0.13, 0.14, 0.16, 0.13], rows)
    return page.finish()
