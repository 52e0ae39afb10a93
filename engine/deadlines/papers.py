"""The papers a procedure requires (DOMAIN.md §3): its published list of documents, each
with a code (`kind`) that uploads name, whether papers outside the list may be sent
(`other_documents`), and the file formats accepted (`document_formats`). Asking for a
document outside the published list is forbidden, so the list is what uploads are
checked against."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.files.formats import DEFAULT_FORMATS, FORMATS

OTHER = "other"  # a paper outside the list, where the procedure allows one
RESULT = "result"  # the result an officer produces (the signed certificate…)
# Kinds the platform gives its own documents: a procedure's list may not use them.
RESERVED = frozenset({OTHER, RESULT, "receipt", "guidance", "supplement_request", "refusal",
                      "withdrawal", "stop"})
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,49}$")  # as long as documents.kind keeps
MAX_DOCUMENTS = 100


@dataclass(frozen=True)
class RequiredDocument:
    kind: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name}


def parse_papers(data: dict[str, Any], errors: list[dict[str, Any]]
                 ) -> tuple[tuple[RequiredDocument, ...], bool, tuple[str, ...]]:
    """(documents, other_documents, document_formats) of a procedure's body; problems are
    appended to `errors`, each naming its field."""
    raw = data.get("documents") or []
    documents: list[RequiredDocument] = []
    if not isinstance(raw, list) or len(raw) > MAX_DOCUMENTS:
        errors.append({"field": "documents", "message": f"a list of at most {MAX_DOCUMENTS} "
                                                        "{kind, name}"})
        raw = []
    for i, item in enumerate(raw):
        kind = item.get("kind") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(kind, str) or not _KIND.fullmatch(kind) or kind in RESERVED:
            errors.append({"field": f"documents[{i}].kind", "message":
                           "a code of lower-case letters, digits and _ (at most 50), not "
                           f"one of {', '.join(sorted(RESERVED))}"})
        elif not isinstance(name, str) or not 0 < len(name.strip()) <= 500:
            errors.append({"field": f"documents[{i}].name", "message":
                           "the document's published name (1 to 500 characters)"})
        elif any(d.kind == kind for d in documents):
            errors.append({"field": f"documents[{i}].kind", "message": "listed twice"})
        else:
            documents.append(RequiredDocument(kind, name.strip()))
    other = data.get("other_documents", False)
    if not isinstance(other, bool):
        errors.append({"field": "other_documents", "message": "true or false"})
        other = False
    formats = data.get("document_formats") or list(DEFAULT_FORMATS)
    if not isinstance(formats, list) or not all(f in FORMATS for f in formats):
        errors.append({"field": "document_formats", "message":
                       f"a list of formats among {', '.join(FORMATS)}"})
        formats = list(DEFAULT_FORMATS)
    return tuple(documents), other, tuple(dict.fromkeys(formats))
