"""Finding dossiers by code, applicant name or identity number, and by period.

Officers and auditors type names as they can: `nguyen van a` must find `Nguyễn Văn A`, and
`Nguyễn` must find a dossier whose applicant was written `Nguyen`. Both sides are therefore
folded the same way: lower case, Vietnamese diacritics removed (đ → d), whitespace collapsed.
A dossier keeps its folded applicant name and its identity number in columns of their own,
written at intake, so a search reads no JSON.

A name matches when every word of the query begins a word of the name, in any order (a
word given twice, two words of the name): the folded name is stored with a space before
each word, so each query word is one `LIKE '% word%'` (SQLite scans for it). PostgreSQL
also keeps the name's word prefixes
(`word_prefixes`: `nguyen van anh` → n, ng, …, nguyen, v, va, van, a, an, anh) in an array
with a GIN index, and asks `name_prefixes @> ARRAY[words]`: one index key per query word
and the same matches, where trigrams of common names (`ngu`, `guy`, …) each hold a third
of the dossiers.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Column widths of the stored forms (engine.store.models uses them).
NAME_LENGTH = 500
ID_NUMBER_LENGTH = 50
QUERY_LENGTH = 200
# Where an applicant object keeps its name and its identity number (CCCD, passport...).
NAME_KEYS = ("name", "full_name")
ID_NUMBER_KEYS = ("id_number", "identity_number")

_LIKE_SPECIAL = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
LIKE_ESCAPE = "\\"


def fold(text: str) -> str:
    """`text` lower case, without diacritics (đ → d), its whitespace collapsed to one space:
    `Nguyễn  Văn Đức` → `nguyen van duc`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def id_number(value: str) -> str:
    """An identity number as it is compared: letters and digits only, upper case
    (`001 185 012345` → `001185012345`)."""
    return "".join(c for c in value if c.isalnum()).upper()


def stored_name(applicant: Mapping[str, Any]) -> str | None:
    """The applicant's name as the search column keeps it: folded, a space before each word
    (None when the applicant has no name)."""
    for key in NAME_KEYS:
        value = applicant.get(key)
        if isinstance(value, str) and fold(value):
            return (" " + fold(value))[:NAME_LENGTH]
    return None


def word_prefixes(stored: str | None) -> list[str] | None:
    """Every prefix of every word of a stored (folded) name, each once, in order of
    appearance: a query word begins a word of the name exactly when it is one of them
    (None for no name)."""
    if stored is None:
        return None
    seen: dict[str, None] = {}
    for word in stored.split():
        for end in range(1, len(word) + 1):
            seen.setdefault(word[:end])
    return list(seen)


def stored_id_number(applicant: Mapping[str, Any]) -> str | None:
    """The applicant's identity number as the search column keeps it (None when there is
    none, or it is longer than any identity number)."""
    for key in ID_NUMBER_KEYS:
        value = applicant.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            found = id_number(value)
            if found and len(found) <= ID_NUMBER_LENGTH:
                return found
    return None


@dataclass(frozen=True)
class Search:
    """What `q=` asks for: a dossier whose code is `code`, whose applicant's identity number
    is `id_number`, or whose applicant's name has a word beginning with each of `words`."""

    code: str
    id_number: str | None
    words: tuple[str, ...]

    @classmethod
    def parse(cls, q: str) -> Search | None:
        """None when `q` holds nothing to look for (only spaces or marks)."""
        words = tuple(fold(q).split())
        if not words:
            return None
        number = id_number(q)
        return cls(code=q.strip(), id_number=number if 0 < len(number) <= ID_NUMBER_LENGTH
                   else None, words=words)

    def name_patterns(self) -> list[str]:
        """One LIKE pattern per distinct word (escape character `LIKE_ESCAPE`), for the stored
        name; a word given n times asks for n words of the name beginning with it (`nguyen
        duc duc` → `% nguyen%`, `% duc% duc%`)."""
        return [f"% {word.translate(_LIKE_SPECIAL)}" * n + "%"
                for word, n in Counter(self.words).items()]

    def repeated_patterns(self) -> list[str]:
        """The patterns of the words given more than once: what the name prefixes (which
        say that a word begins a word of the name, not how many) leave to check."""
        return [p for p, n in zip(self.name_patterns(), Counter(self.words).values()) if n > 1]


def period(received_from: date | datetime | None, received_to: date | datetime | None,
           tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """A period as [start, end) instants. A date is a whole day in `tz`: `from` its
    start, `to` the start of the next day; an instant `to` is included."""
    start = end = None
    if received_from is not None:
        start = (received_from if isinstance(received_from, datetime)
                 else datetime.combine(received_from, time(), tz))
    if received_to is not None:
        end = (received_to + timedelta(microseconds=1) if isinstance(received_to, datetime)
               else datetime.combine(received_to + timedelta(days=1), time(), tz))
    return start, end
