"""Form errors a page can word in its own language: each item of a form-invalid names the
JSON Schema keyword at fault and its params (engine/forms.py), and web/src/form_errors.js
words them in Vietnamese and English (run by node, as the page's bundle runs it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.errors import FormInvalid
from engine.forms import validate_form
from tests.web_module import call_each

WEB = Path(__file__).resolve().parents[2] / "web" / "src" / "form_errors.js"

FORM = {"type": "object", "required": ["decision"], "additionalProperties": False,
        "properties": {
            "decision": {"enum": ["accept", "guide"]},
            "note": {"type": "string", "minLength": 3, "maxLength": 5},
            "copies": {"type": "integer", "minimum": 1, "maximum": 10},
            "born": {"type": "string", "format": "date"},
            "papers": {"type": "array", "minItems": 2}},
        "if": {"properties": {"decision": {"const": "accept"}}, "required": ["decision"]},
        "then": {"required": ["handling_unit"]}}


def errors_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(FormInvalid) as info:
        validate_form("f.json", {"f.json": FORM}, data)
    return list(info.value.errors or [])


def test_each_error_names_its_keyword_and_params_beside_the_english_message() -> None:
    got = {e["field"]: e for e in errors_of({
        "note": "ab", "copies": 0, "born": "31/01/1990", "papers": ["x"], "extra": 1})}
    assert got["/decision"]["keyword"] == "required"
    assert got["/decision"]["params"] == {"property": "decision"}
    assert got["/decision"]["message"] == "'decision' is a required property"
    assert (got["/note"]["keyword"], got["/note"]["params"]) == ("minLength", {"limit": 3})
    assert (got["/copies"]["keyword"], got["/copies"]["params"]) == ("minimum", {"limit": 1})
    assert (got["/born"]["keyword"], got["/born"]["params"]) == ("format", {"format": "date"})
    assert got["/papers"]["params"] == {"limit": 2}
    assert (got["/"]["keyword"], got["/"]["params"]) == (
        "additionalProperties", {"properties": ["extra"]})


def test_a_rule_of_if_then_names_the_missing_field_itself() -> None:
    [e] = errors_of({"decision": "accept"})
    assert (e["field"], e["keyword"], e["params"]) == (
        "/handling_unit", "required", {"property": "handling_unit"})
    [e] = errors_of({"decision": "maybe"})
    assert (e["keyword"], e["params"]) == ("enum", {"allowed": ["accept", "guide"]})


def word(errors: list[dict[str, Any]], code: str) -> list[str]:
    return call_each(WEB, "wordError", [[e, code] for e in errors])


def test_the_page_words_the_server_errors_in_vietnamese_and_in_english() -> None:
    errors = errors_of({"decision": "accept", "note": "ab", "copies": 11, "born": "x",
                        "papers": ["x"], "extra": 1})
    by_field = [e["field"] for e in errors]
    vi = dict(zip(by_field, word(errors, "vi"), strict=True))
    en = dict(zip(by_field, word(errors, "en"), strict=True))
    assert vi["/handling_unit"] == "Trường này bắt buộc phải điền."
    assert en["/handling_unit"] == "This field is required."
    assert vi["/note"] == "Cần ít nhất 3 ký tự." and en["/note"] == "At least 3 characters."
    assert vi["/copies"] == "Phải nhỏ hơn hoặc bằng 10." and en["/copies"] == "Must be 10 or less."
    assert vi["/born"] == "Không đúng định dạng ngày (năm-tháng-ngày)."
    assert en["/born"] == "Not a date (year-month-day)."
    assert vi["/papers"] == "Cần chọn hoặc nhập ít nhất 2 mục."
    assert vi["/"] == "Thông tin không có trong biểu mẫu: extra."
    for sentence in list(vi.values()) + list(en.values()):
        assert "required property" not in sentence and "is not" not in sentence


def test_a_keyword_worded_nowhere_keeps_the_servers_message() -> None:
    assert word([{"keyword": "contains", "message": "[] should contain 1"}], "vi") == [
        "[] should contain 1"]
    assert word([{"message": "older server"}], "en") == ["older server"]
