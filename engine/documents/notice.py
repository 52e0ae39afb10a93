"""The written notices the desk gives an applicant, beside the receipt (form 01):

- form 02, *phiếu yêu cầu bổ sung, hoàn thiện hồ sơ*: what to add or correct, with why;
  given at reception (guidance, once per dossier) or during appraisal (a supplement);
- form 03, *phiếu từ chối tiếp nhận giải quyết hồ sơ*: the refusal, with its reasons;
- form 04, *phiếu xin lỗi và hẹn lại ngày trả kết quả*: the apology for a dossier that will
  be late, with the appointment on the receipt, the reason and the new appointment;
- form 05: the dossier withdrawn at the applicant's request, or its processing stopped.

Laid out as the forms of Circular 01/2018/TT-VPCP are (the issuing unit under its agency,
the national motto, title, the dossier and the applicant, the content, the officer's
signature). The wording of form 05's title is ours: it was not confirmed from the published
form. Rendered from the fields alone: equal fields, equal bytes.
"""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.codes import LOCAL_TZ
from engine.documents.layout import ITALIC, Page
from engine.documents.receipt import format_instant

TITLES = {
    "guidance": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "supplement_request": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "withdrawal": "THÔNG BÁO VỀ VIỆC RÚT HỒ SƠ",
    "stop": "THÔNG BÁO VỀ VIỆC DỪNG GIẢI QUYẾT HỒ SƠ",
}
FORMS = {"guidance": "02", "supplement_request": "02", "refusal": "03", "apology": "04",
         "withdrawal": "05", "stop": "05"}
_LEADS = {
    "guidance": "Sau khi xem xét thành phần hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ "
                "gồm những nội dung sau:",
    "supplement_request": "Trong quá trình thẩm định, cơ quan giải quyết đề nghị Ông/Bà bổ "
                          "sung, hoàn thiện hồ sơ gồm những nội dung sau (thời hạn giải quyết "
                          "tạm dừng cho đến khi nhận đủ hồ sơ bổ sung):",
    "refusal": "Qua xem xét, cơ quan có thẩm quyền từ chối tiếp nhận, giải quyết hồ sơ này với "
               "lý do cụ thể như sau:",
    # The appointment in force until now: the receipt's, or that of an earlier apology (the
    # receipt's own date may since have moved with a supplement's pause).
    "apology": "Thời hạn trả kết quả giải quyết hồ sơ đã hẹn với Ông/Bà là: {appointment}. Tuy "
               "nhiên đến nay, {unit} chưa trả kết quả giải quyết hồ sơ của Ông/Bà.",
    "withdrawal": "Theo đề nghị của Ông/Bà, hồ sơ đã được rút và dừng giải quyết:",
    "stop": "Cơ quan có thẩm quyền dừng giải quyết hồ sơ này với lý do như sau:",
}
_CLOSING = {
    "guidance": "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ để được "
                "hướng dẫn.",
    "supplement_request": "Thời gian giải quyết được tính lại khi nhận được hồ sơ bổ sung.",
    "refusal": "Xin thông báo cho Ông/Bà được biết và thực hiện.",
    "apology": "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {unit} xin lỗi Ông/Bà và sẽ trả kết "
               "quả giải quyết hồ sơ cho Ông/Bà vào {new_appointment}. Mong nhận được sự "
               "thông cảm của Ông/Bà vì sự chậm trễ này.",
    "withdrawal": "Xin thông báo cho Ông/Bà được biết.",
    "stop": "Xin thông báo cho Ông/Bà được biết.",
}
_SIGNER = {"guidance": "NGƯỜI HƯỚNG DẪN", "supplement_request": "NGƯỜI YÊU CẦU",
           "refusal": "NGƯỜI TIẾP NHẬN", "apology": "NGƯỜI XIN LỖI", "withdrawal": "NGƯỜI TIẾP NHẬN",
           "stop": "NGƯỜI LẬP THÔNG BÁO"}


@dataclass(frozen=True)
class NoticeFields:
    """What a notice prints; `kind` is one of TITLES. Instants are ISO 8601 with offset
    (`appointment` and `new_appointment`: the old and the new one of an apology)."""

    kind: str
    dossier_code: str
    unit_name: str
    applicant_name: str
    procedure: str
    received_at: str
    issued_at: str
    signed_by: str
    agency: str = ""
    reason: str = ""
    items: list[str] = field(default_factory=list)
    deadline: str = ""
    appointment: str = ""
    new_appointment: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeFields:
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})


def notice_file_name(fields: NoticeFields) -> str:
    return f"mau-{FORMS[fields.kind]}-{fields.kind.replace('_', '-')}-{fields.dossier_code}.pdf"


def render_notice(fields: NoticeFields) -> bytes:
    if fields.kind not in TITLES:
        raise ValueError(f"no notice of kind {fields.kind}")
    f = NoticeFields.from_dict({k: unicodedata.normalize("NFC", v) if isinstance(v, str) else
                                [unicodedata.normalize("NFC", str(x)) for x in v]
                                if isinstance(v, list) else v
                                for k, v in fields.to_dict().items()})
    issued = datetime.fromisoformat(f.issued_at).astimezone(LOCAL_TZ)
    received = datetime.fromisoformat(f.received_at).astimezone(LOCAL_TZ)
    page = Page(f"{TITLES[f.kind]} {f.dossier_code}", f.unit_name)
    page.header(f.unit_name, f.agency, issued)
    page.title(TITLES[f.kind], f"Mã hồ sơ: {f.dossier_code}")
    page.line(f"Kính gửi: {f.applicant_name}")
    page.line(f"Ngày {received:%d/%m/%Y}, {f.unit_name} tiếp nhận hồ sơ của Ông/Bà đề nghị "
              f"giải quyết thủ tục: {f.procedure}.")
    words = {"unit": f.unit_name,
             "appointment": format_instant(f.appointment) if f.appointment else "",
             "new_appointment": format_instant(f.new_appointment) if f.new_appointment else ""}
    page.line(_LEADS[f.kind].format(**words))
    if f.items:
        page.items(f.items, "")
    if f.reason:
        labelled = bool(f.items) or f.kind == "apology"
        page.line(f"Lý do: {f.reason}" if labelled else f.reason,
                  indent=0 if labelled else 6)
    if f.deadline:
        page.line(f"Thời hạn bổ sung: {f.deadline}", ITALIC)
    page.line(_CLOSING[f.kind].format(**words))
    page.signatures([("", ""), (_SIGNER[f.kind], f.signed_by)])
    return page.finish()
