"""Gateways, sub-processes and call activities, end to end through the HTTP API."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.constructs import World, _deploy, _do, _finished, _inbox, _kinds, _open, _ran, _start
from tests.api.helpers import assert_problem, complete, step

# -- 1. parallel gateway ----------------------------------------------------------------

def test_parallel_gateway_opens_both_tasks_and_the_join_waits(w: World) -> None:
    _deploy(w, "parallel.bpmn", "decision.json")
    d = _start(w, "c_parallel")
    code = d["code"]
    assert d["status"] == "in_process"
    assert _open(d) == ["check_documents", "verify_identity"]
    assert sorted(t["element_id"] for t in _inbox(w)
                  if t["dossier_code"] == code) == ["check_documents", "verify_identity"]

    d = _do(w, d, "check_documents", {"documents_ok": True})
    assert _open(d) == ["verify_identity"]  # the join waits for the other branch
    assert d["status"] == "in_process"
    assert "summarize" not in _ran(w, code)

    d = _do(w, d, "verify_identity", {"identity_ok": True})
    assert _open(d) == ["approve"]  # joined, the script ran, the next task is open
    assert d["data"]["checks_passed"] == 2
    assert d["data"]["documents_ok"] is True and d["data"]["identity_ok"] is True

    d = _do(w, d, "approve", {"decision": "approve"})
    _finished(d, "done")
    assert d["data"]["decision"] == "approve"
    ran = _ran(w, code)
    assert ran.index("join") > ran.index("check_documents")
    assert ran.index("join") > ran.index("verify_identity")
    assert ran.index("summarize") > ran.index("join")
    assert ran.count("join") == 1
    kinds = _kinds(w, code)
    assert kinds[0] == "dossier.received" and kinds[-1] == "dossier.finished"
    assert kinds.count("task.completed") == 3


# -- 2. inclusive gateway ---------------------------------------------------------------

def test_inclusive_gateway_takes_two_of_three_branches(w: World) -> None:
    _deploy(w, "inclusive.bpmn")
    d = _start(w, "c_inclusive", {"capital_vnd": 500_000_000, "uses_land": True,
                                  "business_line": "Ăn uống"})
    code = d["code"]
    assert _open(d) == ["land_opinion", "tax_opinion"]
    d = _do(w, d, "tax_opinion", {"tax_opinion": "no debt"})
    assert _open(d) == ["land_opinion"]  # the inclusive join waits for the land office
    d = _do(w, d, "land_opinion", {"land_opinion": "zoning ok"})
    _finished(d, "consulted")
    assert d["data"]["consultations"] == 2
    assert d["data"]["tax_opinion"] == "no debt" and d["data"]["land_opinion"] == "zoning ok"
    ran = _ran(w, code)
    assert "police_opinion" not in ran
    assert ran.count("collect") == 1 and ran.index("tally") > ran.index("collect")


def test_inclusive_gateway_takes_one_branch(w: World) -> None:
    _deploy(w, "inclusive.bpmn")
    d = _start(w, "c_inclusive", {"capital_vnd": 50_000_000, "uses_land": False,
                                  "business_line": "karaoke"})
    assert _open(d) == ["police_opinion"]
    d = _do(w, d, "police_opinion", {"police_opinion": "security conditions met"})
    _finished(d, "consulted")
    assert d["data"]["consultations"] == 1
    ran = _ran(w, d["code"])
    assert "tax_opinion" not in ran and "land_opinion" not in ran


# -- 3. exclusive gateway with a default flow -------------------------------------------

@pytest.mark.parametrize(("data", "end_event", "fee"), [
    ({"capital_vnd": 150_000_000, "applicant_is_poor_household": False}, "standard_done", 100000),
    ({"capital_vnd": 150_000_000, "applicant_is_poor_household": True}, "exempt_done", 0),
])
def test_exclusive_gateway_condition_and_default(w: World, data: dict[str, Any],
                                                 end_event: str, fee: int) -> None:
    _deploy(w, "exclusive.bpmn", "decision.json")
    d = _start(w, "c_exclusive", data)
    _finished(d, end_event)  # no user task on these branches: finished at intake
    assert d["data"]["fee"] == fee
    ran = _ran(w, d["code"])
    assert ran[:2] == ["start", "route"] and ran[-1] == end_event
    assert "leader_approval" not in ran


def test_exclusive_gateway_to_a_user_task_with_a_form(w: World) -> None:
    _deploy(w, "exclusive.bpmn", "decision.json")
    d = _start(w, "c_exclusive", {"capital_vnd": 2_000_000_000,
                                  "applicant_is_poor_household": False})
    assert _open(d) == ["leader_approval"]
    bad = complete(w, step(d, "leader_approval")["task_id"], {"decision": "maybe"})
    assert_problem(bad, 422, "form-invalid")
    d = _do(w, d, "leader_approval", {"decision": "approve", "note": "Đồng ý"})
    _finished(d, "large_done")
    assert "fee" not in d["data"]


# -- 4. embedded sub-process ------------------------------------------------------------

def test_embedded_subprocess_with_user_and_script_task(w: World) -> None:
    _deploy(w, "subprocess.bpmn")
    d = _start(w, "c_subprocess", {"weight": 10})
    code = d["code"]
    assert _open(d) == ["inspect"]
    assert step(d, "inspect")["name"] == "Inspect premises"
    d = _do(w, d, "inspect", {"points": 7})
    _finished(d, "appraised")
    # In: `weight` from intake reached the script inside; out: `score` reached `verdict`.
    assert d["data"]["score"] == 70 and d["data"]["result"] == "pass"
    ran = _ran(w, code)
    for inner in ("appraisal_start", "inspect", "score", "appraisal_end"):
        assert inner in ran
    assert ran.index("appraisal_end") < ran.index("appraisal") < ran.index("verdict")


# -- 5. call activity -------------------------------------------------------------------

def test_call_activity_runs_the_called_process_of_the_same_file(w: World) -> None:
    _deploy(w, "call_activity.bpmn")
    r = w.client.get("/api/v1/process-definitions", headers=w.headers("designer"))
    assert r.status_code == 200
    d = _start(w, "c_call_activity", {"copies": 3})
    code = d["code"]
    assert _open(d) == ["record_payment"]  # a user task of the called process
    assert step(d, "record_payment")["name"] == "Record payment"
    d = _do(w, d, "record_payment", {"receipt_no": "BL-0001"})
    assert _open(d) == ["issue_certificate"]
    # In: `copies` reached the called process; out: its `fee` and `receipt_no` came back.
    assert d["data"]["fee"] == 150000 and d["data"]["receipt_no"] == "BL-0001"
    d = _do(w, d, "issue_certificate", {"certificate_no": "HKD-42"})
    _finished(d, "issued")
    assert d["data"]["fee"] == 150000 and d["data"]["certificate_no"] == "HKD-42"
    ran = _ran(w, code)
    assert ran.index("compute_fee") < ran.index("fee_paid") < ran.index("collect_fee")


# -- what the API shows while a dossier waits --------------------------------------------

def test_data_shown_inside_a_call_activity(w: World) -> None:
    _deploy(w, "call_activity.bpmn")
    d = _start(w, "c_call_activity", {"copies": 3})
    assert _open(d) == ["record_payment"]
    assert d["data"].get("fee") == 150000
    r = w.client.get(f"/api/v1/tasks/{step(d, 'record_payment')['task_id']}",
                     headers=w.headers("officer"))
    assert r.get_json()["data"].get("fee") == 150000


def test_data_entered_in_a_subprocess_is_shown_after_its_error_path(w: World) -> None:
    _deploy(w, "error_boundary.bpmn", "documents.json")
    d = _start(w, "c_error_boundary")
    d = _do(w, d, "check_documents", {"documents_ok": False, "missing": ["giay_to_nha"]})
    assert _open(d) == ["notify_refusal"]
    d = _do(w, d, "notify_refusal", {"letter_no": "TB-7"})
    _finished(d, "refused")
    assert d["data"].get("missing") == ["giay_to_nha"]
