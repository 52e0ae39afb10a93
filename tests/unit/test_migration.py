"""Moving a running household business registration from v1 to a v2 that adds a legal check
before approval, changes the grant condition and removes the supplement step."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.bpmn import CompiledProcess
from engine.lifecycle.migration import assess, migrate
from engine.runtime import Instance
from engine.runtime.state import dump_state, load_state
from engine.services.catalog_cache import compile_process
from tests.api.deployments import hkd_v2_xml

ROOT = Path(__file__).resolve().parents[2]
XML = (ROOT / "processes" / "household_business_registration.bpmn").read_text("utf-8")
FORMS = {p.name: json.loads(p.read_bytes()) for p in (ROOT / "forms").glob("hkd-*.json")}


def _v2(forms: dict[str, Any] | None = None) -> CompiledProcess:
    return compile_process(hkd_v2_xml().encode("utf-8"), forms or FORMS)


V1 = compile_process(XML.encode("utf-8"), FORMS)
V2 = _v2()
SUBMITTED = {"owner_id_number": "001099000123"}


def _at(*steps: dict[str, Any]) -> Instance:
    inst = Instance.start(V1.spec, V1.subprocess_specs, None, dict(SUBMITTED))
    for data in steps:
        inst.complete(inst.user_tasks()[0].task_id, data)
    return inst


ACCEPT = {"reception_decision": "accept"}
SUPPLEMENT = {"reception_decision": "supplement"}
APPRAISE = {"appraisal_decision": "propose_approve", "draft_result": "ok"}
AGREE = {"review_decision": "agree"}


def _waiting(inst: Instance) -> list[str]:
    return [t.element_id for t in inst.user_tasks()]


def _reloaded(inst: Instance, target: CompiledProcess) -> Instance:
    """The moved state stored and loaded on the new version, as the store does."""
    state = json.loads(json.dumps(dump_state(inst.workflow)))
    return Instance(load_state(state, target.spec, target.subprocess_specs, None))


def test_a_dossier_at_a_kept_task_moves_and_finishes_on_the_new_graph() -> None:
    inst = _at(ACCEPT, APPRAISE)
    assert _waiting(inst) == ["review"]
    task_id = inst.user_tasks()[0].task_id
    assert assess(inst.workflow, V1, V2) == []
    migrate(inst.workflow, V2)
    moved = _reloaded(inst, V2)
    assert [(t.element_id, t.task_id) for t in moved.user_tasks()] == [("review", task_id)]
    moved.complete(task_id, AGREE)
    assert _waiting(moved) == ["legal_check"]  # the added task
    moved.complete(moved.user_tasks()[0].task_id, {})
    moved.complete(moved.user_tasks()[0].task_id, {"approval_decision": "approve"})
    assert _waiting(moved) == ["return_result"]
    moved.complete(moved.user_tasks()[0].task_id, {})
    assert moved.finished
    assert moved.data["certificate_number"] == "HKD-001099000123"


def test_a_dossier_at_reception_moves() -> None:
    inst = _at()
    assert assess(inst.workflow, V1, V2) == []
    migrate(inst.workflow, V2)
    moved = _reloaded(inst, V2)
    moved.complete(moved.user_tasks()[0].task_id, ACCEPT)
    assert _waiting(moved) == ["appraisal"]


def test_a_dossier_waiting_at_a_removed_element_cannot_move() -> None:
    inst = _at(SUPPLEMENT)
    assert _waiting(inst) == ["receive_supplement"]
    assert assess(inst.workflow, V1, V2) == [
        {"element": "receive_supplement", "reason": "element_removed"}]


def test_a_mapping_moves_a_dossier_off_a_removed_element() -> None:
    inst = _at(SUPPLEMENT)
    mapping = {"receive_supplement": "reception"}
    assert assess(inst.workflow, V1, V2, mapping) == []
    migrate(inst.workflow, V2, mapping)
    moved = _reloaded(inst, V2)
    assert _waiting(moved) == ["reception"]
    moved.complete(moved.user_tasks()[0].task_id, ACCEPT)
    assert _waiting(moved) == ["appraisal"]


def test_a_field_newly_required_that_the_data_lacks_blocks_the_move() -> None:
    forms = json.loads(json.dumps(FORMS))
    review = forms["hkd-review.json"]
    review["properties"]["business_sector"] = {"type": "string"}
    review["required"].append("business_sector")
    inst = _at(ACCEPT, APPRAISE)
    assert assess(inst.workflow, V1, _v2(forms)) == [
        {"element": "review", "reason": "form_field_required", "form": "hkd-review.json",
         "fields": ["business_sector"]}]


@pytest.mark.parametrize("element", ["appraisal", "approval"])
def test_a_changed_element_type_blocks_the_move(element: str) -> None:
    xml = _v2().normalized_xml.decode("utf-8")
    start = xml.index(f'<bpmn:userTask id="{element}"')
    end = xml.index("</bpmn:userTask>", start)
    block = xml[start:end].replace("<bpmn:userTask", "<bpmn:manualTask", 1)
    xml = xml[:start] + block + "</bpmn:manualTask>" + xml[end + len("</bpmn:userTask>"):]
    target = compile_process(xml.encode("utf-8"), FORMS)
    inst = _at(ACCEPT) if element == "appraisal" else _at(ACCEPT, APPRAISE, AGREE)
    reasons = assess(inst.workflow, V1, target)
    assert [r["reason"] for r in reasons] == ["element_type_changed"]
    assert reasons[0]["element"] == element


def test_a_changed_timer_it_waits_on_blocks_the_move() -> None:
    from tests.unit.test_lifecycle import _timer

    two, three = _timer("P2D"), _timer("P3D")
    inst = Instance.start(two.spec, two.subprocess_specs, None, {})  # type: ignore[attr-defined]
    assert inst.next_timer() is not None
    assert assess(inst.workflow, two, three) == [  # type: ignore[arg-type]
        {"element": "wait", "reason": "event_changed"}]
    assert assess(inst.workflow, two, _timer("P2D")) == []  # type: ignore[arg-type]
