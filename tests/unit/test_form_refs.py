"""engine.bpmn.form_refs and engine.forms: references among a version's own forms only."""
from __future__ import annotations

import json
from typing import Any

import pytest

from engine.bpmn.form_refs import check_references
from engine.bpmn.forms import parse_form
from engine.bpmn.problems import Problems
from engine.errors import FormInvalid, FormReferenceRefused
from engine.forms import _validator_of, validate_form
from tests.listener import listening


def _check(uploaded: dict[str, Any], names: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    problems = Problems()
    raw = {name: json.dumps(schema).encode() for name, schema in uploaded.items()}
    forms = check_references(names, raw, lambda n, b: parse_form(n, b, problems), problems)
    return sorted(forms), problems.items


def test_embedded_resources_anchors_and_other_forms_resolve() -> None:
    common = {"$defs": {"code": {"$anchor": "code", "type": "string", "minLength": 2}}}
    form = {"$id": "a.json", "properties": {
        "x": {"$ref": "common.json#code"},
        "y": {"$ref": "https://motcua.example/inner.json"},
        "z": {"$ref": "a.json#/$defs/n"}},
        "$defs": {"inner": {"$id": "https://motcua.example/inner.json", "type": "integer"},
                  "n": {"type": "number"}}}
    assert _check({"a.json": form, "common.json": common}, ["a.json"]) == (
        ["a.json", "common.json"], [])
    forms = {"a.json": form, "common.json": common}
    with pytest.raises(FormInvalid) as info:
        validate_form("a.json", forms, {"x": "1", "y": "2", "z": "3"})
    assert [e["field"] for e in info.value.errors] == ["/x", "/y", "/z"]


def test_a_form_name_with_a_fragment_is_refused() -> None:
    names, problems = _check({"a#1.json": {"type": "object"}}, ["a#1.json"])
    assert names == [] and problems[0]["element"] == "a#1.json"


def test_a_subschema_id_may_not_take_another_forms_name() -> None:
    shadow = {"$defs": {"x": {"$id": "b.json", "type": "string"}}, "$ref": "b.json"}
    # Alone, a.json's reference names its own embedded resource.
    assert _check({"a.json": shadow, "b.json": {"type": "integer"}}, ["a.json"]) == (
        ["a.json"], [])
    # With b.json deployed too, which of the two is "b.json" would be a matter of chance.
    names, problems = _check({"a.json": shadow, "b.json": {"type": "integer"}},
                             ["a.json", "b.json"])
    assert [p["element"] for p in problems] == ["b.json"]


def test_completion_retrieves_nothing_and_says_why() -> None:
    with listening() as listener:
        forms = {"a.json": {"properties": {"x": {"$ref": f"{listener.url}/x.json"}}}}
        with pytest.raises(FormReferenceRefused) as info:
            validate_form("a.json", forms, {"x": 1})
        assert listener.seen() == 0
    assert info.value.errors == [{"form": "a.json", "message": info.value.errors[0]["message"]}]
    assert listener.url in info.value.message
    validate_form("a.json", forms, {})  # a reference not reached costs nothing


def test_validators_are_kept_per_version_forms() -> None:
    forms: dict[str, Any] = {"a.json": {"type": "object"}}
    assert _validator_of("a.json", forms) is _validator_of("a.json", forms)
    same_content = json.loads(json.dumps(forms))
    assert _validator_of("a.json", same_content) is not _validator_of("a.json", forms)
    validate_form("missing.json", forms, {"anything": 1})  # no stored form accepts any data


@pytest.mark.parametrize("form", [
    {"$ref": "#"},
    {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/a"}],
     "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"not": {"$ref": "#/$defs/a"}}}},
])
def test_a_reference_loop_on_the_same_data_is_refused(form: dict[str, Any]) -> None:
    names, problems = _check({"a.json": form}, ["a.json"])
    assert [p["element"] for p in problems] == ["a.json"]
    assert "never end" in problems[0]["message"]
    with pytest.raises(FormReferenceRefused):  # as a version stored before the check
        validate_form("a.json", {"a.json": form}, 1)


def test_recursion_through_the_data_is_fine() -> None:
    tree = {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}}
    assert _check({"a.json": tree}, ["a.json"]) == (["a.json"], [])
    with pytest.raises(FormInvalid) as info:
        validate_form("a.json", {"a.json": tree}, {"kids": [{"kids": [{"kids": 1}]}]})
    assert info.value.errors[0]["field"] == "/kids/0/kids/0/kids"
