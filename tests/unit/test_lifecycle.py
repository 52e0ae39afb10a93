"""The pure rules of a version's life: the scenarios file, and the diff of two versions."""
from __future__ import annotations

import json

import pytest

from engine.errors import InvalidInput
from engine.lifecycle.diff import diff_forms, diff_versions
from engine.lifecycle.scenario_format import parse_scenarios
from engine.services.catalog_cache import compile_process

TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://example.org/motcua-tests">
  <bpmn:process id="waits" name="Waits" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="WAIT_ID" name="Wait"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition id="t">
      <bpmn:timeDuration>"DURATION"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="WAIT_ID"/>
    <bpmn:sequenceFlow id="f2" sourceRef="WAIT_ID" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _timer(duration: str = "P2D", wait_id: str = "wait") -> object:
    xml = TIMER.replace("DURATION", duration).replace("WAIT_ID", wait_id)
    return compile_process(xml.encode("utf-8"), {})


def test_a_changed_timer_names_its_expressions() -> None:
    diff = diff_versions(_timer("P2D"), _timer("P3D"))  # type: ignore[arg-type]
    [changed] = diff["changed"]
    assert (changed["id"], changed["attributes"]) == ("wait", ["timer"])
    assert changed["details"]["timer"]["from"]["expression"] == '"P2D"'
    assert changed["details"]["timer"]["to"]["expression"] == '"P3D"'
    assert diff["added"] == diff["removed"] == []


def test_a_renamed_element_is_aligned_by_its_place() -> None:
    diff = diff_versions(_timer(wait_id="wait"), _timer(wait_id="pause"))  # type: ignore[arg-type]
    renamed = [c for c in diff["changed"] if c["type"] != "SequenceFlow"
               and "id" in c["attributes"]]
    assert [(c["id"], c["details"]["id"]) for c in renamed] == [
        ("pause", {"from": "wait", "to": "pause"})]
    flows = {c["id"]: c["attributes"] for c in diff["changed"] if c["type"] == "SequenceFlow"}
    assert flows == {"f1": ["target"], "f2": ["source"]}


def test_form_fields_nested_and_in_lists() -> None:
    before = {"f.json": {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string"},
        "address": {"type": "object", "properties": {"street": {"type": "string"}}},
        "documents": {"type": "array", "items": {"type": "object", "required": ["name"],
                                                 "properties": {"name": {"type": "string"}}}},
    }}, "gone.json": {}}
    after = json.loads(json.dumps(before))
    after["f.json"]["properties"]["address"]["required"] = ["street"]
    after["f.json"]["properties"]["address"]["properties"]["ward"] = {"type": "string"}
    after["f.json"]["properties"]["documents"]["items"]["properties"]["name"]["maxLength"] = 9
    after["f.json"]["properties"]["a"]["enum"] = ["x"]
    del after["gone.json"]
    after["new.json"] = {}
    diff = diff_forms(before, after)
    assert (diff["added"], diff["removed"]) == (["new.json"], ["gone.json"])
    [form] = diff["changed"]
    assert form["fields_added"] == ["address/ward"]
    assert form["made_required"] == ["address/street"]
    # a change inside a nested field is that field's, not its parent's
    assert {c["field"]: c["attributes"] for c in form["fields_changed"]} == {
        "a": ["enum"], "documents[]/name": ["maxLength"]}


@pytest.mark.parametrize(("body", "field"), [
    (b"{}", "scenarios"),
    (b'[{"name": "x", "steps": [], "expect": {"finished": "yes"}}]', "scenarios/0/expect"),
    (b'[{"name": "x", "steps": [{"wait": "P1D", "data": {}}], "expect": {"finished": true}}]',
     "scenarios/0/steps/0"),
    (b'[{"name": "x", "steps": [], "expect": {"finished": true}, "extra": 1}]',
     "scenarios/0/extra"),
    (b'[{"name": "x", "steps": [], "expect": {"finished": true}},'
     b' {"name": "x", "steps": [], "expect": {"finished": true}}]', "scenarios/1/name"),
    (b'[{"name": "x", "steps": [{"withdraw": "r"}, {"wait": "P1D"}], '
     b'"expect": {"finished": false}}]', "scenarios/0/steps/1"),
    (b'[{"name": "x", "steps": [{"stop": "r", "data": {}}], "expect": {"finished": false}}]',
     "scenarios/0/steps/0"),
    (b'[{"name": "x", "steps": [{"withdraw": " "}], "expect": {"finished": false}}]',
     "scenarios/0/steps/0/withdraw"),
    (b'[{"name": "x", "steps": [], "expect": {"finished": false, "status": "gone"}}]',
     "scenarios/0/expect/status"),
    (b'[{"name": "x", "data": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 +
     b', "steps": [], "expect": {"finished": true}}]', "scenarios/0/data"),
])
def test_a_malformed_scenarios_file_names_the_place(body: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_scenarios(body)
    assert [e["field"] for e in caught.value.errors] == [field]
