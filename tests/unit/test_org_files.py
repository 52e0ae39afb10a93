"""Organisation files: rows know their file and line; what cannot be read is refused whole."""
from __future__ import annotations

import pytest

from engine.org.files import FileProblem, parse

UNITS_CSV = """code,name,kind,parent
000.00.00.H56,UBND tỉnh,provincial_committee,

000.00.20.H56,"Sở Tư pháp, tỉnh",department,000.00.00.H56
"""


def test_csv_rows_are_told_by_the_header_and_keep_their_line() -> None:
    rows = parse("units.csv", UNITS_CSV)
    assert [(r.where, r.kind) for r in rows] == [("units.csv:2", "unit"), ("units.csv:4", "unit")]
    assert rows[0].fields["parent"] is None
    assert rows[1].fields == {"code": "000.00.20.H56", "name": "Sở Tư pháp, tỉnh",
                              "kind": "department", "parent": "000.00.00.H56"}
    people = parse("p.csv", "\ufeffrole,name\nofficer,Nguyễn Văn A\n")
    assert people[0].kind == "principal" and people[0].fields["name"] == "Nguyễn Văn A"


@pytest.mark.parametrize("text, message", [
    ("code,name,kind,colour\n", "unknown: colour"),
    ("code,name\n", "missing: kind"),
    ("who,what\n", "neither units"),
    ("code,name,kind\n1,2\n", "p.csv:2: 2 values for 3 columns"),
])
def test_a_bad_csv_is_refused_naming_where(text: str, message: str) -> None:
    with pytest.raises(FileProblem, match=message):
        parse("p.csv", text)


def test_yaml_rows_keep_their_line_and_their_text() -> None:
    rows = parse("org.yaml", """
units:
  - code: 000.00.06.H56
    name: Trung tâm Phục vụ hành chính công
    kind: provincial_centre
    parent: ~
principals:
  - {name: Lê Thị B, role: officer, unit: 000.00.06.H56, position: reception}
""")
    assert [(r.where, r.kind) for r in rows] == [("org.yaml:3", "unit"),
                                                ("org.yaml:8", "principal")]
    assert rows[0].fields["code"] == "000.00.06.H56" and rows[0].fields["parent"] is None
    assert rows[1].fields["position"] == "reception"


@pytest.mark.parametrize("text, message", [
    ("a: &x [1]\nb: *x\n", "anchors and aliases"),
    ("units:\n  - code: 1\n    colour: red\n", "org.yaml:2: unknown key 'colour'"),
    ("teams: []\n", "unknown section 'teams'"),
    ("units: {code: 1}\n", "must be a list"),
    ("units: [\n", "not YAML"),
    ("units:\n  - code: [1, 2]\n", "single value"),
])
def test_a_bad_yaml_is_refused_naming_where(text: str, message: str) -> None:
    with pytest.raises(FileProblem, match=message):
        parse("org.yaml", text)
