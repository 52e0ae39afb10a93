"""The form editor's own checks (web/src/schema-check.js), run by node: where JSON text
stops being JSON, in lines and columns, keys given twice, and likely schema mistakes by
JSON pointer. Skipped where node is missing."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.browser import ROOT
from tests.web_module import call_each

MODULE = ROOT / "web" / "src" / "schema-check.js"


def run_each(function: str, arguments: list[Any]) -> list[Any]:
    """`function` of the module called on each argument, in one node process."""
    return call_each(MODULE, function, [[a] for a in arguments])


def run(function: str, argument: Any) -> Any:
    return run_each(function, [argument])[0]


@pytest.mark.parametrize(("text", "line", "column", "code"), [
    ('{"a": 1,}', 1, 9, "je_trailing_comma"),
    ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "je_object"),
    ('{\n  "a": [1, 2,]\n}', 2, 14, "je_trailing_comma"),
    ("{'a': 1}", 1, 2, "je_key"),
    ('{"a" 1}', 1, 6, "je_colon"),
    ('{"a": tru}', 1, 7, "je_value"),
    ('{"a": "x', 1, 9, "je_unclosed"),
    ('{"a": "\\q"}', 1, 9, "je_escape"),
    ('{"a": 01}', 1, 8, "je_object"),
    ('{"a": -}', 1, 7, "je_number"),
    ('{"a": 1} x', 1, 10, "je_after"),
    ('{"a": {', 1, 8, "je_end"),
    ("", 1, 1, "je_end"),
])
def test_a_syntax_error_is_placed(text: str, line: int, column: int, code: str) -> None:
    found = run("scanJson", text)["error"]
    assert (found["line"], found["column"], found["code"]) == (line, column, code), found


def test_json_and_keys_given_twice() -> None:
    found = run("scanJson", '{"type": "object",\n "a": {"x": 1, "x": 2}, "type": "string"}')
    assert found["error"] is None
    assert [(d["key"], d["line"], d["column"]) for d in found["duplicates"]] == [
        ("x", 2, 16), ("type", 2, 25)]
    assert run("scanJson", ' [1, -2.5e3, true, null, "\\u00e9", {}] ') == {
        "error": None, "duplicates": []}


def test_likely_schema_mistakes_by_pointer() -> None:
    schema = {"type": "object", "required": ["name", "age", "name"],
              "properties": {"name": {"type": "text", "pattern": "(["},
                             "tags": {"type": "array", "items": {"enum": []}},
                             "ref": {"$ref": "#/$defs/missing"},
                             "n": {"type": ["integer", "null"], "minimum": "1",
                                   "maxLength": -1}},
              "then": {"required": ["email"]}}
    found = {(p["pointer"], p["code"]) for p in run("schemaProblems", schema)}
    assert found == {("/required", "sp_required_unknown"), ("/required", "sp_required_twice"),
                     ("/properties/name/type", "sp_type"),
                     ("/properties/name/pattern", "sp_pattern"),
                     ("/properties/tags/items/enum", "sp_enum"),
                     ("/properties/ref/$ref", "sp_ref"),
                     ("/properties/n/minimum", "sp_number"),
                     ("/properties/n/maxLength", "sp_count")}
    assert run("schemaProblems", [1]) == [{"pointer": "/", "code": "sp_not_object", "args": []}]
    # The catalogue's forms, all deployed, have none of them.
    shipped = {p.name: json.loads(p.read_text(encoding="utf-8"))
               for p in sorted((ROOT / "forms").glob("*.json"))}
    assert len(shipped) > 10
    found = dict(zip(shipped, run_each("schemaProblems", list(shipped.values())), strict=True))
    assert {name: problems for name, problems in found.items() if problems} == {}
