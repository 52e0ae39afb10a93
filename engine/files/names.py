"""A submitted file's name, as shown back to people: never a path. The store never uses
it (files are named by content), but a name that tries to be a path is refused outright
rather than quietly cut, so that a client learns its upload was wrong."""
from __future__ import annotations

import unicodedata

MAX_NAME = 255


def clean_name(raw: str | None) -> tuple[str | None, str]:
    """(the name in NFC, None if refused) and why it was refused."""
    if raw is None or not raw.strip():
        return None, "the file has no name"
    name = unicodedata.normalize("NFC", raw.strip())
    if any(c in name for c in "/\\"):
        return None, "a file name, not a path: no / or \\"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return None, "no control characters (NUL, newlines…)"
    if name.strip(". ") == "":
        return None, "not a file name"
    if name.startswith("."):
        return None, "a file name may not start with a dot"
    if len(name) > MAX_NAME:
        return None, f"at most {MAX_NAME} characters"
    return name, ""
