"""The page every document of the one-stop desk shares: an A4 sheet with the issuing unit
under its agency and the national motto, a title, numbered lines that wrap and run onto a
new page, and signature blocks. Open Sans (installed by the `ttf-opensans` package: nothing
is fetched at run time) covers Vietnamese; reportlab embeds the glyphs used with a Unicode
map, so the text can be searched and extracted. A `Page` made `invariant` gives the same
bytes for the same text."""
from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Sequence
from datetime import datetime

import ttf_opensans
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

CONTENT_TYPE = "application/pdf"
REGULAR, BOLD, ITALIC = "OpenSans", "OpenSans-Bold", "OpenSans-Italic"
_FONT_FILES = {REGULAR: ttf_opensans.OPENSANS_REGULAR.path,
               BOLD: ttf_opensans.OPENSANS_BOLD.path,
               ITALIC: ttf_opensans.OPENSANS_ITALIC.path}
_fonts_lock = threading.Lock()
_fonts_ready = False
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def register_fonts() -> None:
    """Read the TTF files once per process (reportlab keeps them in its registry)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            for name, path in _FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            _fonts_ready = True


def nfc(text: str) -> str:
    """Composed form: a name sent decomposed prints and extracts like the same name typed
    composed."""
    return unicodedata.normalize("NFC", text)


class Page:
    """One document being drawn, top to bottom."""

    def __init__(self, title: str, author: str, *, wide: bool = False) -> None:
        """`wide`: the sheet turned to landscape (a register's many columns)."""
        register_fonts()
        self._buf = io.BytesIO()
        # invariant: no creation time or random id in the file: equal text, equal bytes.
        size = landscape(A4) if wide else A4
        self.pdf = Canvas(self._buf, pagesize=size, invariant=True, pageCompression=1)
        self.pdf.setTitle(nfc(title))
        self.pdf.setAuthor(nfc(author))
        self.pdf.setCreator("motcua")
        page_w, page_h = size
        self.left, self.right = 20 * mm, page_w - 15 * mm
        self.top, self.bottom = page_h - 15 * mm, 15 * mm
        self.width = self.right - self.left
        self.y = self.top

    def centred(self, text: str, font: str, size: float, x0: float, w: float,
                at: float) -> float:
        """Wrapped, centred lines inside [x0, x0 + w] from `at` down; the y below them."""
        for part in simpleSplit(nfc(text), font, size, w):
            at -= size * 1.35
            self.pdf.setFont(font, size)
            self.pdf.drawCentredString(x0 + w / 2, at, part)
        return at

    def header(self, unit_name: str, agency: str, issued: datetime, place: str = "") -> None:
        """The issuing unit under its agency (left), the motto and the date (right)."""
        col = self.width * 0.45
        y_left = self.centred(agency.upper(), REGULAR, 10, self.left, col, self.y) \
            if agency else self.y
        y_left = self.centred(unit_name.upper(), BOLD, 10, self.left, col, y_left)
        x_right, w_right = self.left + col, self.width - col
        y_right = self.centred(MOTTO[0], BOLD, 10, x_right, w_right, self.y)
        y_right = self.centred(MOTTO[1], BOLD, 10, x_right, w_right, y_right)
        where = f"{place}, " if place else ""
        y_right = self.centred(f"{where}ngày {issued.day:02d} tháng {issued.month:02d} năm "
                               f"{issued.year}", ITALIC, 10, x_right, w_right, y_right - 4)
        self.y = min(y_left, y_right) - 8 * mm

    def title(self, *lines: str) -> None:
        for n, text in enumerate(lines):
            self.y = self.centred(text, BOLD, 14 if n == 0 else 11, self.left, self.width,
                                  self.y - (2 if n else 0))
        self.y -= 4 * mm

    def line(self, text: str, font: str = REGULAR, indent: float = 0) -> None:
        for part in simpleSplit(nfc(text), font, 11, self.width - indent):
            if self.y - 17 < self.bottom:
                self.pdf.showPage()
                self.y = self.top
            self.y -= 17
            self.pdf.setFont(font, 11)
            self.pdf.drawString(self.left + indent, self.y, part)

    def items(self, entries: Sequence[str], empty: str) -> None:
        """A numbered list, indented; `empty` in italics when there is nothing."""
        if not entries:
            self.line(empty, ITALIC, indent=6 * mm)
        for n, entry in enumerate(entries, 1):
            self.line(f"{n}) {entry}", indent=6 * mm)

    def table(self, headers: Sequence[str], widths: Sequence[float],
              rows: Sequence[Sequence[str]], size: float = 9) -> None:
        """A ruled table: `widths` are fractions of the page's width; cells wrap, a row runs
        as tall as its tallest cell, and a row that would cross the bottom starts a new
        page (with the headers again)."""
        cols = [w * self.width for w in widths]
        lead = size * 1.3

        def row_lines(cells: Sequence[str], font: str) -> list[list[str]]:
            return [simpleSplit(nfc(c), font, size, w - 4) or [""] for c, w in zip(cells, cols)]

        def draw(cells: Sequence[str], font: str) -> None:
            lines = row_lines(cells, font)
            height = max(len(c) for c in lines) * lead + 4
            if self.y - height < self.bottom:
                self.pdf.showPage()
                self.y = self.top
                if font != BOLD:
                    draw(headers, BOLD)
            x = self.left
            for col, cell in zip(cols, lines):
                self.pdf.rect(x, self.y - height, col, height)
                self.pdf.setFont(font, size)
                for n, text in enumerate(cell):
                    self.pdf.drawString(x + 2, self.y - 2 - (n + 1) * lead + 2, text)
                x += col
            self.y -= height

        self.pdf.setLineWidth(0.5)
        self.y -= 3 * mm  # clear of the descenders of the line above
        draw(headers, BOLD)
        for row in rows:
            draw(row, REGULAR)
        self.y -= 4 * mm

    def signatures(self, blocks: Sequence[tuple[str, str]]) -> None:
        """(role in capitals, name) side by side, room left to sign."""
        if self.y - 60 * mm < self.bottom:
            self.pdf.showPage()
            self.y = self.top
        self.y -= 10 * mm
        share = self.width / max(1, len(blocks))
        for i, (who, name) in enumerate(blocks):
            if not who:  # an empty column: the signer stands on the right
                continue
            x0 = self.left + i * share
            below = self.centred(who, BOLD, 11, x0, share, self.y)
            below = self.centred("(Ký và ghi rõ họ tên)", ITALIC, 10, x0, share, below)
            self.centred(name, BOLD, 11, x0, share, below - 22 * mm)

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self._buf.getvalue()
