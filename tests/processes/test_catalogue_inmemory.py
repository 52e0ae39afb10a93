"""Every procedure of the catalogue runs its scenarios end to end, in memory.

For each ``processes/<name>.bpmn`` with a ``<name>.scenarios.json`` beside it: the diagram
parses (with the Spiff XSD), each user task names a form that exists in ``forms/`` and a
position, every step's data validates against its task's form, every flow node and sequence
flow has diagram interchange, and each scenario reaches the end event and data it expects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins import UserTaskMixin
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.calendar import national_calendar
from engine.codes import LOCAL_TZ
from engine.lifecycle.scenario_format import parse_scenarios
from engine.lifecycle.scenarios import run_scenarios
from engine.sandbox import make_script_engine
from engine.services.catalog_cache import compile_process

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask",
    "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
}


def _safe_parse(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.parse(str(path), parser)


@dataclass(frozen=True)
class Procedure:
    bpmn: Path
    scenarios: Path

    @property
    def name(self) -> str:
        return self.bpmn.stem


def _catalogue() -> list[Procedure]:
    found = []
    for bpmn in sorted(PROCESSES.glob("*.bpmn")):
        scenarios = bpmn.with_suffix(".scenarios.json")
        if scenarios.exists():
            found.append(Procedure(bpmn, scenarios))
    return found


CATALOGUE = _catalogue()


@cache
def _tree(bpmn: Path) -> etree._ElementTree:
    return _safe_parse(bpmn)


def _executable_process(bpmn: Path) -> etree._Element:
    processes = _tree(bpmn).getroot().findall("bpmn:process[@isExecutable='true']", NS)
    assert len(processes) == 1, f"{bpmn.name}: expected one executable process"
    return processes[0]


@cache
def _spec(bpmn: Path) -> tuple[Any, dict[str, Any]]:
    process_id = _executable_process(bpmn).get("id")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(_tree(bpmn), filename=str(bpmn))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def _user_task_forms(bpmn: Path) -> dict[str, str]:
    """bpmn id of each user task -> its form file name."""
    spec, _ = _spec(bpmn)
    forms = {}
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, UserTaskMixin):
            properties = task_spec.extensions.get("properties", {})
            forms[task_spec.bpmn_id] = properties.get("formJsonSchemaFilename")
    return forms


@cache
def _validator(form: str) -> Draft202012Validator:
    schema = json.loads((FORMS / form).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _scenarios(procedure: Procedure) -> list[dict[str, Any]]:
    return json.loads(procedure.scenarios.read_text(encoding="utf-8"))


SCENARIO_CASES = [
    pytest.param(procedure, scenario, id=f"{procedure.name}:{scenario['name']}")
    for procedure in CATALOGUE
    for scenario in _scenarios(procedure)
]
PROCEDURE_CASES = [pytest.param(p, id=p.name) for p in CATALOGUE]


def test_catalogue_is_not_empty() -> None:
    assert CATALOGUE, "no processes/*.bpmn with a *.scenarios.json beside it"


@pytest.mark.parametrize("procedure", PROCEDURE_CASES)
def test_user_tasks_name_an_existing_form_and_a_position(procedure: Procedure) -> None:
    spec, _ = _spec(procedure.bpmn)
    user_tasks = [t for t in spec.task_specs.values() if isinstance(t, UserTaskMixin)]
    assert user_tasks
    for task_spec in user_tasks:
        properties = task_spec.extensions.get("properties", {})
        form = properties.get("formJsonSchemaFilename")
        assert form, f"{task_spec.bpmn_id}: no formJsonSchemaFilename property"
        assert (FORMS / form).is_file(), f"{task_spec.bpmn_id}: forms/{form} does not exist"
        _validator(form)  # the form itself is a valid draft 2020-12 schema
        assert properties.get("position"), f"{task_spec.bpmn_id}: no position property"
        assert task_spec.lane, f"{task_spec.bpmn_id}: not in a lane"


@pytest.mark.parametrize("procedure", PROCEDURE_CASES)
def test_every_flow_node_and_flow_has_diagram_interchange(procedure: Procedure) -> None:
    root = _tree(procedure.bpmn).getroot()
    process = _executable_process(procedure.bpmn)
    shapes = {
        s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)
    }
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [
        el for el in process.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODE_TAGS
    ]
    assert nodes
    for node in nodes:
        node_id = node.get("id")
        assert node_id in shapes, f"flow node {node_id} has no BPMNShape"
        assert shapes[node_id].find("dc:Bounds", NS) is not None, f"{node_id}: no bounds"
    for lane in process.iterfind(".//bpmn:lane", NS):
        assert lane.get("id") in shapes, f"lane {lane.get('id')} has no BPMNShape"
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        flow_id = flow.get("id")
        assert flow_id in edges, f"sequence flow {flow_id} has no BPMNEdge"
        waypoints = edges[flow_id].findall("di:waypoint", NS)
        assert len(waypoints) >= 2, f"sequence flow {flow_id} has fewer than two waypoints"


@pytest.mark.parametrize(("procedure", "scenario"), SCENARIO_CASES)
def test_step_data_validates_against_the_task_form(
    procedure: Procedure, scenario: dict[str, Any]
) -> None:
    forms = _user_task_forms(procedure.bpmn)
    for index, step in enumerate(scenario["steps"]):
        if "message" in step:
            assert isinstance(step["data"], dict), f"step {index}: a message's data is an object"
            continue
        if "task" not in step:  # a wait, or the last step's withdrawal or stop
            continue
        assert step["task"] in forms, f"step {index}: {step['task']} is not a user task"
        errors = sorted(
            _validator(forms[step["task"]]).iter_errors(step["data"]), key=lambda e: e.path
        )
        assert not errors, f"step {index} ({step['task']}): " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors
        )


@pytest.mark.parametrize(("procedure", "scenario"), SCENARIO_CASES)
def test_intake_validates_against_the_start_form(
    procedure: Procedure, scenario: dict[str, Any]
) -> None:
    """Every shipped procedure names a start form, and each scenario's intake satisfies it."""
    start = _executable_process(procedure.bpmn).find("bpmn:startEvent", NS)
    assert start is not None
    names = [p.get("value") for p in start.iterfind(".//spiffworkflow:property", NS)
             if p.get("name") == "formJsonSchemaFilename"]
    assert len(names) == 1, f"{procedure.name}: the start event names no form"
    intake = {"applicant": scenario.get("applicant", {}), "data": scenario["data"]}
    errors = list(_validator(str(names[0])).iter_errors(intake))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize(("procedure", "scenario"), SCENARIO_CASES)
def test_scenario_runs_to_its_expected_end(
    procedure: Procedure, scenario: dict[str, Any]
) -> None:
    """The runner a deployment uses (engine.lifecycle.scenarios), on the diagram compiled
    as a deployment compiles it."""
    result = _run(procedure, scenario)
    assert result.passed, result.difference
    assert result.path[0] == "start_received"


def _run(procedure: Procedure, scenario: dict[str, Any]) -> Any:
    xml = procedure.bpmn.read_bytes()
    named = set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"', xml.decode()))
    forms = {form: (FORMS / form).read_bytes() for form in named}  # the start form too
    compiled = compile_process(xml, forms, filename=procedure.bpmn.name)
    parsed = parse_scenarios(json.dumps([scenario]).encode("utf-8"))
    [result] = run_scenarios(compiled, parsed, script_engine=make_script_engine(),
                             calendar=national_calendar(),
                             start=datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ))
    return result


def test_a_withdrawal_ends_the_dossier_where_it_stands() -> None:
    """A last step `withdraw` (or `stop`) ends the dossier as form 05 does: the process stays
    where it waits, `expect.status` says how the dossier ended, and a dossier whose process
    has ended cannot be withdrawn."""
    birth = next(p for p in CATALOGUE if p.name == "birth_registration")
    scenarios = {s["name"]: s for s in _scenarios(birth)}
    withdrawn = scenarios["withdrawn_after_guidance"]
    assert withdrawn["steps"][-1] == {"withdraw": "Người yêu cầu có đơn xin rút hồ sơ"}
    assert _run(birth, withdrawn).passed
    stopped = {**withdrawn, "steps": [*withdrawn["steps"][:-1], {"stop": "Cơ quan dừng xử lý"}],
               "expect": {"finished": False, "status": "stopped"}}
    assert _run(birth, stopped).passed
    said = _run(birth, {**withdrawn, "expect": {"finished": False, "status": "in_process"}})
    assert not said.passed and said.difference["at"] == "expect/status", said.difference
    assert said.difference["actual"] == "withdrawn"
    finished = next(s for s in scenarios.values() if s["expect"]["finished"])
    late = _run(birth, {**finished, "steps": [*finished["steps"], {"withdraw": "Muộn"}]})
    assert not late.passed, late.difference
    assert late.difference["at"] == f"steps/{len(finished['steps'])}"
    assert "cannot be withdrawn" in late.difference["message"]
