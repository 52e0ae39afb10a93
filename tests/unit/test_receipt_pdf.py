"""Form 01, the receipt and appointment slip, rendered as a PDF whose text reads back."""
from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader

from engine.documents import ReceiptFields, format_instant, render_receipt

NAME = "Nguyễn Thị Hồng Nhung"
FIELDS = ReceiptFields(
    dossier_code="000.00.06.H56-231027-0361", unit_code="000.00.06.H56",
    unit_name="Trung tâm Phục vụ hành chính công xã Yên Bình",
    agency="Ủy ban nhân dân xã Yên Bình", applicant_name=NAME,
    applicant_address="Số 12 Trần Phú, xã Yên Bình", applicant_phone="0912345678",
    procedure="Đăng ký thành lập hộ kinh doanh",
    received_at="2023-10-27T08:15:00+00:00", issued_at="2023-10-27T08:15:00+00:00",
    channel="desk", received_by="Trần Văn Đức",
    documents=["Giấy đề nghị đăng ký hộ kinh doanh (bản chính)"],
    time_limit="3 ngày làm việc", appointment="2023-11-01T08:15:00+00:00")


def _text(pdf: bytes) -> str:
    """The PDF's text as pypdf extracts it, its line breaks and spaces made single spaces
    (a long name wraps onto the next line)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_the_slip_reads_back_code_applicant_and_appointment() -> None:
    text = _text(render_receipt(FIELDS))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Mã hồ sơ: 000.00.06.H56-231027-0361" in text
    assert NAME in text
    # 08:15 UTC is 15:15 in Vietnam: the appointment is printed in local time.
    assert format_instant(FIELDS.appointment or "") == "15 giờ 15 phút, ngày 01/11/2023"
    assert "Thời gian trả kết quả giải quyết hồ sơ: 15 giờ 15 phút, ngày 01/11/2023" in text
    assert "Thời gian nhận hồ sơ: 15 giờ 15 phút, ngày 27/10/2023" in text
    for prescribed in ("ỦY BAN NHÂN DÂN XÃ YÊN BÌNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                       "Độc lập - Tự do - Hạnh phúc", "Đăng ký thành lập hộ kinh doanh",
                       "1) Giấy đề nghị đăng ký hộ kinh doanh (bản chính)",
                       "Số 12 Trần Phú, xã Yên Bình", "3 ngày làm việc",
                       "NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Đức", "NGƯỜI NỘP HỒ SƠ"):
        assert prescribed in text, prescribed


def test_every_vietnamese_letter_survives() -> None:
    letters = ("ăằắẳẵặ âầấẩẫậ đ êềếểễệ ôồốổỗộ ơờớởỡợ ưừứửữự ìíỉĩị òóỏõọ ùúủũụ ỳýỷỹỵ")
    fields = ReceiptFields(**{**FIELDS.to_dict(), "applicant_name": letters,
                              "received_by": letters.upper()})
    text = _text(render_receipt(fields))
    assert letters in text and letters.upper() in text


def test_a_name_sent_decomposed_prints_as_the_same_name() -> None:
    decomposed = unicodedata.normalize("NFD", NAME)
    assert decomposed != NAME
    fields = ReceiptFields(**{**FIELDS.to_dict(), "applicant_name": decomposed})
    assert NAME in _text(render_receipt(fields))


def test_the_same_fields_give_the_same_bytes() -> None:
    assert render_receipt(FIELDS) == render_receipt(ReceiptFields.from_dict(FIELDS.to_dict()))
    other = ReceiptFields(**{**FIELDS.to_dict(), "dossier_code": "X-231027-0362"})
    assert render_receipt(other) != render_receipt(FIELDS)


def test_without_a_statutory_limit_the_appointment_says_so() -> None:
    fields = ReceiptFields(**{**FIELDS.to_dict(), "appointment": None, "time_limit": ""})
    text = _text(render_receipt(fields))
    assert "Thời gian trả kết quả giải quyết hồ sơ: chưa xác định" in text


def test_a_long_list_of_documents_runs_onto_a_second_page() -> None:
    fields = ReceiptFields(**{**FIELDS.to_dict(),
                              "documents": [f"Giấy tờ số {n}" for n in range(1, 61)]})
    pdf = render_receipt(fields)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    text = _text(pdf)
    assert "60) Giấy tờ số 60" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
