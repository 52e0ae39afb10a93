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

import io
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import ttf_opensans
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from engine.codes import LOCAL_TZ

CONTENT_TYPE = "application/pdf"
TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
REGULAR, BOLD, ITALIC = "OpenSans", "OpenSans-Bold", "OpenSans-Italic"
_FONT_FILES = {REGULAR: ttf_opensans.OPENSANS_REGULAR.path,
               BOLD: ttf_opensans.OPENSANS_BOLD.path,
               ITALIC: ttf_opensans.OPENSANS_ITALIC.path}
_fonts_lock = threading.Lock()
_fonts_ready = False
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
    _register_fonts()
    f = _nfc(fields)
    issued = datetime.fromisoformat(f.issued_at).astimezone(LOCAL_TZ)
    buf = io.BytesIO()
    # invariant: no creation time or random id in the file, so equal fields give equal bytes.
    pdf = Canvas(buf, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(f"{TITLE} {f.dossier_code}")
    pdf.setAuthor(f.unit_name)
    pdf.setCreator("motcua")
    page_w, page_h = A4
    left, right, top, bottom = 20 * mm, page_w - 15 * mm, page_h - 15 * mm, 15 * mm
    width = right - left
    y = top

    def centred(text: str, font: str, size: float, x0: float, w: float, at: float) -> float:
        """Wrapped, centred lines inside [x0, x0 + w]; returns the y below them."""
        for part in simpleSplit(text, font, size, w):
            at -= size * 1.35
            pdf.setFont(font, size)
            pdf.drawCentredString(x0 + w / 2, at, part)
        return at

    # Header: the receiving unit under its agency (left), the national motto (right).
    col = width * 0.45
    y_left = centred(f.agency.upper(), REGULAR, 10, left, col, y) if f.agency else y
    y_left = centred(f.unit_name.upper(), BOLD, 10, left, col, y_left)
    y_right = centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BOLD, 10, left + col, width - col, y)
    y_right = centred("Độc lập - Tự do - Hạnh phúc", BOLD, 10, left + col, width - col, y_right)
    y_right = centred(f"ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
                      ITALIC, 10, left + col, width - col, y_right - 4)
    y = min(y_left, y_right) - 8 * mm

    y = centred(TITLE, BOLD, 14, left, width, y)
    y = centred(f"Mã hồ sơ: {f.dossier_code}", BOLD, 11, left, width, y - 2) - 4 * mm

    def line(text: str, font: str = REGULAR, indent: float = 0) -> None:
        nonlocal y
        for part in simpleSplit(text, font, 11, width - indent):
            if y - 17 < bottom:
                pdf.showPage()
                y = top
            y -= 17
            pdf.setFont(font, 11)
            pdf.drawString(left + indent, y, part)

    line(f"{f.unit_name} tiếp nhận hồ sơ của: {f.applicant_name}")
    if f.applicant_address:
        line(f"Địa chỉ: {f.applicant_address}")
    contact = "    ".join(x for x in (
        f"Số điện thoại: {f.applicant_phone}" if f.applicant_phone else "",
        f"Email: {f.applicant_email}" if f.applicant_email else "") if x)
    if contact:
        line(contact)
    line(f"Nội dung yêu cầu giải quyết: {f.procedure}")
    line("1. Thành phần hồ sơ nộp gồm:")
    if f.documents:
        for n, doc in enumerate(f.documents, 1):
            line(f"{n}) {doc}", indent=6 * mm)
    else:
        line("Theo danh mục thành phần hồ sơ của thủ tục", ITALIC, indent=6 * mm)
    line(f"2. Số lượng hồ sơ: {f.copies:02d} (bộ)")
    line(f"3. Thời gian giải quyết hồ sơ theo quy định là: {f.time_limit or 'không quy định'}")
    line(f"4. Thời gian nhận hồ sơ: {format_instant(f.received_at)}")
    if f.submitted_at and f.submitted_at != f.received_at:
        line(f"(Hồ sơ nộp lúc {format_instant(f.submitted_at)})", ITALIC, indent=6 * mm)
    appointment = format_instant(f.appointment) if f.appointment else \
        "chưa xác định (thủ tục không quy định thời hạn giải quyết)"
    line(f"5. Thời gian trả kết quả giải quyết hồ sơ: {appointment}", BOLD)
    line(f"6. Đăng ký nhận kết quả tại: {f.return_place or f.unit_name}")
    line(f"Hình thức nộp hồ sơ: {CHANNEL_NAMES.get(f.channel, f.channel)}")

    # Signatures: the applicant (left) and the officer who received the dossier (right).
    if y - 60 * mm < bottom:
        pdf.showPage()
        y = top
    y -= 10 * mm
    half = width / 2
    for x0, who, name in ((left, "NGƯỜI NỘP HỒ SƠ", f.applicant_name),
                          (left + half, "NGƯỜI TIẾP NHẬN HỒ SƠ", f.received_by)):
        below = centred(who, BOLD, 11, x0, half, y)
        below = centred("(Ký và ghi rõ họ tên)", ITALIC, 10, x0, half, below)
        centred(name, BOLD, 11, x0, half, below - 22 * mm)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _register_fonts() -> None:
    """Read the TTF files once per process (reportlab keeps them in its registry)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            for name, path in _FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            _fonts_ready = True


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
