"""Documents the platform issues for a dossier, rendered as PDF (pure: no database): form 01,
the receipt and appointment slip (`receipt`), and the notices of forms 02 to 05
(`notice`); the control sheet (form 06, `control_sheet`) and the tracking book (form 07,
`tracking_book`) are made on demand."""
from engine.documents.notice import NoticeFields, notice_file_name, render_notice
from engine.documents.receipt import (
    CONTENT_TYPE,
    ReceiptFields,
    file_name,
    format_instant,
    render_receipt,
)

__all__ = ["CONTENT_TYPE", "NoticeFields", "ReceiptFields", "file_name", "format_instant",
           "notice_file_name", "render_notice", "render_receipt"]
