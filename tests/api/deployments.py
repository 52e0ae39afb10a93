"""Helpers of the deployment tests: uploads with scenarios and options, the shipped
household business registration and its scenarios, a process's versions."""
from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

from tests.api.helpers import TWO_STEPS
from tests.conftest import World

API = "/api/v1/process-definitions"
ROOT = Path(__file__).resolve().parents[2]
HKD = ROOT / "processes" / "household_business_registration.bpmn"
HKD_SCENARIOS = json.loads(HKD.with_suffix(".scenarios.json").read_text(encoding="utf-8"))


def hkd_forms() -> dict[str, bytes]:
    """The forms the household business registration names."""
    names = set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"',
                           HKD.read_text(encoding="utf-8")))
    return {n: (ROOT / "forms" / n).read_bytes() for n in names}


def upload(world: World, xml: bytes, forms: dict[str, bytes], *,
           scenarios: Any = None, path: str = API, form: dict[str, str] | None = None,
           query: dict[str, str] | None = None) -> Any:
    """A multipart deployment (or validation, by `path`) as the designer; `scenarios` a
    list (sent as JSON) or raw bytes; `form` extra form fields, `query` the query string."""
    data: dict[str, Any] = {"bpmn": (io.BytesIO(xml), "diagram.bpmn"),
                            "forms": [(io.BytesIO(b), n) for n, b in forms.items()],
                            **(form or {})}
    if scenarios is not None:
        raw = scenarios if isinstance(scenarios, bytes) else json.dumps(scenarios).encode()
        data["scenarios"] = (io.BytesIO(raw), "x.scenarios.json")
    return world.client.post(path, data=data, query_string=query or {},
                             headers=world.headers("designer"),
                             content_type="multipart/form-data")


def two_steps_xml(**replace: str) -> bytes:
    xml = TWO_STEPS.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def broken_scenarios() -> list[dict[str, Any]]:
    """The shipped scenarios, the third expecting an end the diagram does not reach."""
    scenarios = copy.deepcopy(HKD_SCENARIOS)
    scenarios[2]["expect"]["end_event"] = "result_returned"
    return scenarios


def versions_of(world: World, key: str) -> list[dict[str, Any]]:
    r = world.client.get(f"{API}/{key}", headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())


def hkd_v2_xml() -> str:
    """The household business registration changed three ways: a legal check added before
    the approval, the grant condition changed, the supplement step removed (a supplement
    request goes back to reception); drawn without its diagram section."""
    xml = HKD.read_text(encoding="utf-8")
    start = xml.index('    <bpmn:userTask id="receive_supplement"')
    end = xml.index("</bpmn:userTask>", start) + len("</bpmn:userTask>\n")
    xml = xml[:start] + xml[end:]
    for old, new in (
            ('<bpmn:sequenceFlow id="flow_supplement_to_reception" '
             'sourceRef="receive_supplement" targetRef="reception" />', ""),
            ('targetRef="receive_supplement"', 'targetRef="reception"'),
            ("<bpmn:incoming>flow_supplement_to_reception</bpmn:incoming>",
             "<bpmn:incoming>flow_reception_supplement</bpmn:incoming>"),
            ("<bpmn:flowNodeRef>receive_supplement</bpmn:flowNodeRef>", ""),
            ('sourceRef="gw_review_decision" targetRef="approval"',
             'sourceRef="gw_review_decision" targetRef="legal_check"'),
            ("<bpmn:incoming>flow_review_agree</bpmn:incoming>",
             "<bpmn:incoming>flow_legal_to_approval</bpmn:incoming>"),
            (' and appraisal_decision == "propose_approve"', "")):
        assert old in xml, old
        xml = xml.replace(old, new)
    xml = xml.replace(
        '    <bpmn:userTask id="approval"',
        '    <bpmn:userTask id="legal_check" name="Legal check">\n'
        "      <bpmn:extensionElements><spiffworkflow:properties>\n"
        '        <spiffworkflow:property name="position" value="specialist" />\n'
        "      </spiffworkflow:properties></bpmn:extensionElements>\n"
        "      <bpmn:incoming>flow_review_agree</bpmn:incoming>\n"
        "      <bpmn:outgoing>flow_legal_to_approval</bpmn:outgoing>\n"
        "    </bpmn:userTask>\n"
        '    <bpmn:sequenceFlow id="flow_legal_to_approval" sourceRef="legal_check" '
        'targetRef="approval" />\n'
        '    <bpmn:userTask id="approval"', 1)
    return xml[:xml.index("  <bpmndi:BPMNDiagram")] + xml[xml.index("</bpmn:definitions>"):]


def empty_migration(world: World) -> int:
    """A finished migration of no dossier, for the progress view."""
    from engine.store.models_migrations import DossierMigration

    with world.ctx.uow() as uow:
        found = uow.repo.definition_version(world.province, "two_steps", 1)
        assert found is not None
        definition_id = found.id
        row = DossierMigration(province=world.province, process_key="two_steps",
                               from_definition_id=definition_id,
                               to_definition_id=definition_id, mapping={},
                               status="finished", created_by=None,
                               created_at=world.ctx.clock.now())
        uow.repo.add(row)
        uow.repo.flush()
        uow.commit()
        return row.id
