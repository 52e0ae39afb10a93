"""A refusal of the API in the page's language: web/src/problem_text.js words every code the
server answers with (api/errors.py, and each error class's own) in Vietnamese, adds the
server's particulars where the code alone does not say them, and leaves an English page, or
a code it does not know, with the server's sentence (run by node, as the page's bundle
runs it)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from api.errors import _HTTP_CODES, STATUS
from tests.web_module import call_each

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web" / "src" / "problem_text.js"


def said(cases: list[tuple[str | None, str, str]]) -> list[str]:
    return call_each(WEB, "problemMessage", [list(c) for c in cases])


def codes() -> set[str]:
    """Every code a refusal may carry: the answer's table and each error class's own."""
    found = set(STATUS) | set(_HTTP_CODES.values())
    for path in (ROOT / "engine").rglob("*.py"):
        found |= set(re.findall(r'^\s+code = "([a-z-]+)"$', path.read_text(encoding="utf-8"),
                                re.MULTILINE))
    return found - {"error"}  # the root class's, never raised as such


def test_every_code_is_worded_in_vietnamese() -> None:
    wanted = sorted(codes())
    got: Any = dict(zip(wanted, said([(c, "the English detail", "vi") for c in wanted]),
                        strict=True))
    unworded = [c for c, sentence in got.items() if sentence.startswith("the English detail")]
    assert unworded == []


def test_particulars_follow_where_the_code_does_not_say_them() -> None:
    forbidden, held, english, unknown, empty = said([
        ("forbidden", "officers of unit 000.00.20.H56 only", "vi"),
        ("task-held", "the task is held by another officer", "vi"),
        ("concurrent-update", "the dossier was changed by another request; retry", "en"),
        ("some-new-code", "a new refusal", "vi"),
        ("bpmn-invalid", "", "vi")])
    assert forbidden == ("Bạn không có quyền thực hiện thao tác này. "
                         "(officers of unit 000.00.20.H56 only)")
    assert held == "Bước này đang do một cán bộ khác xử lý."
    assert english == "the dossier was changed by another request; retry"
    assert unknown == "a new refusal"
    assert empty == "Sơ đồ quy trình không hợp lệ."
