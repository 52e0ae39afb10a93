"""Documents the platform issues for a dossier, rendered as PDF (pure: no database).

Form 01, the receipt and appointment slip, is the first (`receipt`)."""
from engine.documents.receipt import (
    CONTENT_TYPE,
    ReceiptFields,
    file_name,
    format_instant,
    render_receipt,
)

__all__ = ["CONTENT_TYPE", "ReceiptFields", "file_name", "format_instant", "render_receipt"]
