"""What a file is, told by its bytes (magic numbers, read by the `filetype` library), never
by the name or content type a client sent: an executable renamed `.pdf` is still one."""
from __future__ import annotations

from dataclasses import dataclass

import filetype

HEAD_BYTES = 8192  # as much as `filetype` reads of a file


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extensions: tuple[str, ...]  # what `filetype` calls it


FORMATS = {f.name: f for f in (
    Format("pdf", "application/pdf", ("pdf",)),
    Format("jpeg", "image/jpeg", ("jpg",)),
    Format("png", "image/png", ("png", "apng")),
    Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           ("docx",)),
    Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ("xlsx",)),
    Format("doc", "application/msword", ("doc",)),
    Format("xls", "application/vnd.ms-excel", ("xls",)),
    Format("odt", "application/vnd.oasis.opendocument.text", ("odt",)),
    Format("ods", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
)}
# What a procedure accepts unless it names its formats: scans and photographs of papers.
DEFAULT_FORMATS = ("pdf", "jpeg", "png")


def sniff(head: bytes) -> tuple[Format | None, str | None]:
    """(the format among FORMATS, None if another) and what the bytes were found to be
    (None: nothing known), from the first HEAD_BYTES of a file."""
    kind = filetype.guess(head[:HEAD_BYTES]) if head else None
    if kind is None:
        return None, None
    for candidate in FORMATS.values():
        if kind.extension in candidate.extensions:
            return candidate, kind.mime
    return None, str(kind.mime)
