"""Form 01: the receipt and appointment slip (*giấy tiếp nhận hồ sơ và hẹn trả kết quả*).

Laid out as form 01 of Circular 01/2018/TT-VPCP prescribes (kept by Circular 03/2025):
the receiving unit under its parent agency, the national motto, the dossier code, who
submitted it, what is asked, the documents received, the statutory time limit, when it was
received and when the result will be returned, where the result is collected, and the
signatures of the applicant and of the officer who received it.

The fields are fixed when the slip is issued (`ReceiptFields`, stored as JSON) and the PDF
is rendered from them alone, so the same fields always give the same bytes. The text is
set in Open Sans (the `ttf-opensans` package installs the TTF files; nothing is fetched at
run time), whose glyphs cover Vietnamese, with reportlab, which embeds the glyphs used with
a Unicode map, so the text can be searched and extracted.
"""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm

from engine.codes import LOCAL_TZ
from engine.documents.layout import BOLD, CONTENT_TYPE, ITALIC, Page

__all__ = ["CONTENT_TYPE", "ReceiptFields", "file_name", "format_instant", "render_receipt",
           "time_limit_text"]

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
CHANNEL_NAMES = {"desk": "Trực tiếp tại Bộ phận tiếp nhận và trả kết quả",
                 "online": "Trực tuyến qua Cổng dịch vụ công",
                 "post": "Qua dịch vụ bưu chính công ích"}
UNIT_NAMES = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc",
              "calendar_days": "ngày", "hours": "giờ", "months": "tháng"}


@dataclass(frozen=True)
class ReceiptFields:
    """What form 01 prints. Instants are ISO 8601 strings with their offset; they are
    printed in Vietnam's local time."""

    dossier_code: str
    unit_code: str
    unit_name: str
    applicant_name: str
    procedure: str
    received_at: str
    issued_at: str
    channel: str
    received_by: str
    agency: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    documents: list[str] = field(default_factory=list)
    copies: int = 1
    time_limit: str = ""
    appointment: str | None = None
    return_place: str = ""
    submitted_at: str | None = None  # an online or postal dossier's submission, if earlier
    lookup_secret: str = ""  # with the code, the applicant's proof for the public lookup

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReceiptFields:
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})


def time_limit_text(value: float, unit: str) -> str:
    """A statutory limit in words: `3 ngày làm việc`."""
    number = int(value) if float(value).is_integer() else value
    return f"{number} {UNIT_NAMES.get(unit, unit)}"


def format_instant(iso: str) -> str:
    """`15 giờ 00 phút, ngày 31/10/2023`, in Vietnam's local time."""
    local = datetime.fromisoformat(iso).astimezone(LOCAL_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def file_name(fields: ReceiptFields) -> str:
    return f"phieu-tiep-nhan-{fields.dossier_code}.pdf"


def render_receipt(fields: ReceiptFields) -> bytes:
    """The slip as a one-page A4 PDF (a second page only if the documents list is long)."""
    f = _nfc(fields)
    issued = datetime.fromisoformat(f.issued_at).astimezone(LOCAL_TZ)
    page = Page(f"{TITLE} {f.dossier_code}", f.unit_name)
    page.header(f.unit_name, f.agency, issued)
    page.title(TITLE, f"Mã hồ sơ: {f.dossier_code}" + (
        f"    Mã tra cứu: {f.lookup_secret}" if f.lookup_secret else ""))
    page.line(f"{f.unit_name} tiếp nhận hồ sơ của: {f.applicant_name}")
    if f.applicant_address:
        page.line(f"Địa chỉ: {f.applicant_address}")
    contact = "    ".join(x for x in (
        f"Số điện thoại: {f.applicant_phone}" if f.applicant_phone else "",
        f"Email: {f.applicant_email}" if f.applicant_email else "") if x)
    if contact:
        page.line(contact)
    page.line(f"Nội dung yêu cầu giải quyết: {f.procedure}")
    page.line("1. Thành phần hồ sơ nộp gồm:")
    page.items(f.documents, "Theo danh mục thành phần hồ sơ của thủ tục")
    page.line(f"2. Số lượng hồ sơ: {f.copies:02d} (bộ)")
    page.line(f"3. Thời gian giải quyết hồ sơ theo quy định là: "
              f"{f.time_limit or 'không quy định'}")
    page.line(f"4. Thời gian nhận hồ sơ: {format_instant(f.received_at)}")
    if f.submitted_at and f.submitted_at != f.received_at:
        page.line(f"(Hồ sơ nộp lúc {format_instant(f.submitted_at)})", ITALIC, indent=6 * mm)
    appointment = format_instant(f.appointment) if f.appointment else \
        "chưa xác định (thủ tục không quy định thời hạn giải quyết)"
    page.line(f"5. Thời gian trả kết quả giải quyết hồ sơ: {appointment}", BOLD)
    page.line(f"6. Đăng ký nhận kết quả tại: {f.return_place or f.unit_name}")
    page.line(f"Hình thức nộp hồ sơ: {CHANNEL_NAMES.get(f.channel, f.channel)}")
    # The applicant (left) and the officer who received the dossier (right).
    page.signatures([("NGƯỜI NỘP HỒ SƠ", f.applicant_name),
                     ("NGƯỜI TIẾP NHẬN HỒ SƠ", f.received_by)])
    return page.finish()


def _nfc(fields: ReceiptFields) -> ReceiptFields:
    """Every text in composed form (NFC): an applicant's name sent decomposed (base letter
    plus combining marks) prints and extracts like the same name typed composed."""
    data = fields.to_dict()
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = unicodedata.normalize("NFC", value)
        elif isinstance(value, list):
            data[key] = [unicodedata.normalize("NFC", str(v)) for v in value]
    return ReceiptFields(**data)
