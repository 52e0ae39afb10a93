"""The BPMN constructs SpiffWorkflow supports, end to end through the HTTP API.

Each test deploys a small diagram from tests/api/data/constructs/, takes a dossier in,
completes its user tasks as an officer (or delivers messages, or moves a manual clock and
sweeps due timers) and checks what the API shows: `current_steps`, `status`, `end_event`,
`data`, the officer inbox and the history. Runs on SQLite and, when configured, PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.jobs.relay import sweep
from tests.api.helpers import assert_problem, complete, dossier, intake, step
from tests.conftest import World, make_world

DATA = Path(__file__).resolve().parent / "data" / "constructs"
VN = timezone(timedelta(hours=7))
MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=VN)


@pytest.fixture
def clocked(db_url: str) -> Iterator[tuple[World, ManualClock]]:
    """A fresh province whose time only moves when the test says so."""
    clock = ManualClock(MONDAY_8AM)
    w = make_world(db_url, clock=clock)
    yield w, clock
    w.ctx.db_engine.dispose()


@pytest.fixture
def w(clocked: tuple[World, ManualClock]) -> World:
    return clocked[0]


# -- helpers ----------------------------------------------------------------------------

def _deploy(w: World, name: str, *forms: str) -> None:
    r = w.deploy(DATA / name, [DATA / f for f in forms])
    assert r.status_code == 201, r.get_json()


def _start(w: World, key: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    r = intake(w, key, data=data or {})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _open(d: dict[str, Any]) -> list[str]:
    return sorted(s["element_id"] for s in d["current_steps"])


def _do(w: World, d: dict[str, Any], element_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Complete the open step `element_id` of dossier `d` (as returned last) with `data`."""
    r = complete(w, step(d, element_id)["task_id"], data)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _history(w: World, code: str) -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/dossiers/{code}/history", headers=w.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["events"]


def _ran(w: World, code: str) -> list[str]:
    """Element ids of the BPMN steps that completed, in order."""
    return [e["element_id"] for e in _history(w, code) if e["kind"] == "step.completed"]


def _kinds(w: World, code: str) -> list[str]:
    return [e["kind"] for e in _history(w, code)]


def _inbox(w: World, status: str = "open") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/v1/tasks?status={status}", headers=w.headers("officer"))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _message(w: World, code: str, name: str, payload: dict[str, Any],
             message_id: str | None = None) -> Any:
    body: dict[str, Any] = {"payload": payload}
    if message_id is not None:
        body["message_id"] = message_id
    return w.client.post(f"/api/v1/dossiers/{code}/messages/{name}", json=body,
                         headers=w.headers("client"))


def _finished(d: dict[str, Any], end_event: str) -> None:
    assert d["status"] == "finished", d
    assert d["end_event"] == end_event, d
    assert d["current_steps"] == []
    assert d["finished_at"] is not None


def _wake_at(w: World, clock: ManualClock, instant: datetime, code: str) -> dict[str, Any]:
    clock.set(instant)
    sweep(w.ctx, inline=True)
    return dossier(w, code)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


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


# -- 6. interrupting boundary timer -----------------------------------------------------

def test_interrupting_boundary_timer_cancels_the_user_task(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    d = _start(w, "c_boundary_timer")
    code = d["code"]
    appraise = step(d, "appraise")["task_id"]
    assert _instant(d["next_wakeup"]) == MONDAY_8AM + timedelta(hours=1)
    assert [t["id"] for t in _inbox(w)] == [appraise]

    d = _wake_at(w, clock, MONDAY_8AM + timedelta(minutes=59), code)
    assert _open(d) == ["appraise"]  # not due yet: nothing moves

    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=1, minutes=1), code)
    assert d["status"] == "in_process"
    assert _open(d) == ["leader_appraise"]
    inbox = _inbox(w)
    assert appraise not in [t["id"] for t in inbox]
    assert [t["element_id"] for t in inbox] == ["leader_appraise"]
    cancelled = _inbox(w, "cancelled")
    assert [(t["id"], t["status"]) for t in cancelled] == [(appraise, "cancelled")]
    assert_problem(complete(w, appraise, {}), 409, "task-already-completed")
    ran = _ran(w, code)
    assert "too_slow" in ran and ran.index("mark_escalated") > ran.index("too_slow")

    d = _do(w, d, "leader_appraise", {"decision": "approve"})
    _finished(d, "escalated_end")
    assert d["data"]["escalated"] is True and d["data"]["decision"] == "approve"
    assert d["next_wakeup"] is None
    assert "appraised" not in _ran(w, code)


def test_interrupting_boundary_timer_does_not_fire_after_the_task_is_done(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    d = _start(w, "c_boundary_timer")
    d = _do(w, d, "appraise", {"decision": "approve"})
    _finished(d, "appraised")
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2), d["code"])
    _finished(d, "appraised")
    assert "too_slow" not in _ran(w, d["code"])


# -- 7. non-interrupting boundary timer -------------------------------------------------

def test_non_interrupting_boundary_timer_runs_a_reminder_and_keeps_the_task(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "reminder_timer.bpmn")
    d = _start(w, "c_reminder_timer")
    code = d["code"]
    appraise = step(d, "appraise")["task_id"]

    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=1, minutes=5), code)
    assert d["status"] == "in_process"
    assert [s["task_id"] for s in d["current_steps"]] == [appraise]  # the same task stays
    assert [t["id"] for t in _inbox(w)] == [appraise]
    assert _inbox(w, "cancelled") == []
    ran = _ran(w, code)
    assert ["remind_after", "send_reminder", "reminded"] == \
        [e for e in ran if e in ("remind_after", "send_reminder", "reminded")]

    d = _do(w, d, "appraise", {"decision": "approve"})
    assert d["status"] == "finished"
    assert d["end_event"] == "appraised"
    assert d["data"]["decision"] == "approve"
    assert d["data"]["reminder_sent"] is True
    assert [e for e in _ran(w, code) if e in ("reminded", "appraised")] == \
        ["reminded", "appraised"]


def test_end_event_is_the_one_reached_last_after_a_reminder(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "reminder_timer.bpmn")
    code = _start(w, "c_reminder_timer")["code"]
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=1, minutes=5), code)
    d = _do(w, d, "appraise", {"decision": "approve"})
    _finished(d, "appraised")


# -- 8. intermediate timer catch events -------------------------------------------------

def test_intermediate_timers_duration_then_date_with_offset(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "intermediate_timers.bpmn")
    d = _start(w, "c_intermediate_timers")
    code = d["code"]
    assert d["next_wakeup"] is None  # no timer waits while the officer receives
    clock.set(MONDAY_8AM + timedelta(minutes=30))
    d = _do(w, d, "receive", {"copies": 1})
    assert d["current_steps"] == [] and d["status"] == "in_process"
    assert _instant(d["next_wakeup"]) == MONDAY_8AM + timedelta(hours=2, minutes=30)

    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2), code)
    assert "cooled_off" not in d["data"]  # cooling-off not over yet

    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2, minutes=31), code)
    assert d["data"]["cooled_off"] is True and d["current_steps"] == []
    appointment = datetime(2026, 3, 5, 8, 0, tzinfo=VN)  # the timeDate, +07:00
    assert _instant(d["next_wakeup"]) == appointment

    d = _wake_at(w, clock, appointment - timedelta(minutes=1), code)
    assert d["current_steps"] == []
    d = _wake_at(w, clock, appointment + timedelta(minutes=1), code)
    assert _open(d) == ["return_result"]
    d = _do(w, d, "return_result", {"received_by": "Nguyễn Văn A"})
    _finished(d, "returned")
    ran = _ran(w, code)
    assert ran.index("cooling_off") < ran.index("note_cooled") < ran.index("appointment")


# -- 9. message catch event and message boundary event ----------------------------------

def test_message_catch_event_after_the_task(w: World) -> None:
    _deploy(w, "messages.bpmn")
    d = _start(w, "c_messages")
    code = d["code"]
    # The process waits for `withdrawn` (boundary) but not yet for `paid`.
    body = assert_problem(_message(w, code, "paid", {"amount": 50000}, "pay-0"), 422,
                          "invalid-input")
    assert body["errors"][0]["field"] == "name"
    assert_problem(_message(w, code, "refund", {}, "x-1"), 422, "invalid-input")

    d = _do(w, d, "appraise", {"decision": "approve"})
    assert d["current_steps"] == [] and d["status"] == "in_process"
    # The boundary message left with its task.
    assert_problem(_message(w, code, "withdrawn", {"reason": "late"}, "wd-1"), 422,
                   "invalid-input")

    r = _message(w, code, "paid", {"amount": 50000}, "pay-1")
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    _finished(d, "done")
    assert d["data"]["amount"] == 50000 and d["data"]["receipt_no"] == "BL-50000"
    seen = len(_history(w, code))
    again = _message(w, code, "paid", {"amount": 1}, "pay-1")
    assert again.status_code == 200 and again.get_json()["status"] == "finished"
    assert again.get_json()["data"]["amount"] == 50000
    assert len(_history(w, code)) == seen
    received = [e for e in _history(w, code) if e["kind"] == "message.received"]
    assert [(e["payload"]["name"], e["payload"]["message_id"]) for e in received] == \
        [("paid", "pay-1")]
    assert _ran(w, code)[-3:] == ["wait_paid", "receipt", "done"]


def test_message_boundary_event_interrupts_the_user_task(w: World) -> None:
    _deploy(w, "messages.bpmn")
    d = _start(w, "c_messages")
    code = d["code"]
    appraise = step(d, "appraise")["task_id"]
    r = _message(w, code, "withdrawn", {"reason": "Người nộp rút hồ sơ"}, "wd-1")
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    _finished(d, "withdrawn_end")
    assert d["data"]["reason"] == "Người nộp rút hồ sơ"
    assert appraise not in [t["id"] for t in _inbox(w)]
    assert [t["id"] for t in _inbox(w, "cancelled")] == [appraise]
    assert_problem(complete(w, appraise, {}), 409, "task-already-completed")
    repeat = _message(w, code, "withdrawn", {"reason": "again"}, "wd-1")
    assert repeat.status_code == 200 and repeat.get_json()["end_event"] == "withdrawn_end"
    ran = _ran(w, code)
    assert ran[-2:] == ["withdrawal", "withdrawn_end"] and "wait_paid" not in ran


# -- 10. event-based gateway ------------------------------------------------------------



def test_event_based_gateway_message_wins(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "event_gateway.bpmn")
    d = _start(w, "c_event_gateway")
    code = d["code"]
    assert d["current_steps"] == [] and d["status"] == "in_process"
    clock.advance(timedelta(days=3))
    r = _message(w, code, "supplement_received", {"documents": ["ban_sao_cccd"]}, "sup-1")
    assert r.status_code == 200, r.get_json()
    d = r.get_json()
    assert _open(d) == ["reappraise"]
    assert d["data"]["documents"] == ["ban_sao_cccd"]
    assert d["next_wakeup"] is None  # the losing timer no longer waits
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(days=16), code)
    assert _open(d) == ["reappraise"]  # the timer branch was cancelled
    d = _do(w, d, "reappraise", {"decision": "approve"})
    _finished(d, "reappraised")
    assert "deadline" not in _ran(w, code) and "expired" not in _ran(w, code)


def test_event_based_gateway_timer_wins(clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "event_gateway.bpmn")
    d = _start(w, "c_event_gateway")
    code = d["code"]
    assert _instant(d["next_wakeup"]) == MONDAY_8AM + timedelta(days=15)
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(days=14, hours=23), code)
    assert d["status"] == "in_process"
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(days=15, minutes=1), code)
    _finished(d, "expired")
    late = _message(w, code, "supplement_received", {}, "sup-late")
    assert late.status_code == 422
    ran = _ran(w, code)
    assert "deadline" in ran and "supplement" not in ran and "reappraise" not in ran


# -- 11. error end event caught by an error boundary event ------------------------------

def test_error_end_event_in_subprocess_is_caught_by_boundary(w: World) -> None:
    _deploy(w, "error_boundary.bpmn", "documents.json")
    d = _start(w, "c_error_boundary")
    code = d["code"]
    assert _open(d) == ["check_documents"]
    d = _do(w, d, "check_documents", {"documents_ok": False, "missing": ["giay_to_nha"]})
    assert d["status"] == "in_process" and d["error"] is None
    assert _open(d) == ["notify_refusal"]
    d = _do(w, d, "notify_refusal", {"letter_no": "TB-7"})
    _finished(d, "refused")
    ran = _ran(w, code)
    assert ran.index("documents_invalid") < ran.index("on_invalid") < ran.index("notify_refusal")
    assert "accepted" not in ran and "step.error" not in _kinds(w, code)


def test_error_boundary_not_taken_when_the_subprocess_ends_normally(w: World) -> None:
    _deploy(w, "error_boundary.bpmn", "documents.json")
    d = _start(w, "c_error_boundary")
    d = _do(w, d, "check_documents", {"documents_ok": True})
    _finished(d, "accepted")
    ran = _ran(w, d["code"])
    assert "verified" in ran and "on_invalid" not in ran and "notify_refusal" not in ran


# -- 12. escalation and signal ----------------------------------------------------------

def test_escalation_end_event_caught_by_boundary(w: World) -> None:
    _deploy(w, "escalation.bpmn")
    d = _start(w, "c_escalation")
    d = _do(w, d, "appraise", {"needs_leader": True})
    assert d["status"] == "in_process" and d["error"] is None
    assert _open(d) == ["leader_decides"]
    d = _do(w, d, "leader_decides", {"decision": "approve"})
    _finished(d, "decided_by_leader")
    ran = _ran(w, d["code"])
    assert ran.index("escalate") < ran.index("to_leader") < ran.index("leader_decides")


def test_escalation_boundary_not_taken_without_escalation(w: World) -> None:
    _deploy(w, "escalation.bpmn")
    d = _start(w, "c_escalation")
    d = _do(w, d, "appraise", {"needs_leader": False})
    _finished(d, "decided_by_unit")
    assert "to_leader" not in _ran(w, d["code"])


def test_signal_thrown_in_one_branch_interrupts_a_task_in_the_other(w: World) -> None:
    _deploy(w, "signal.bpmn")
    d = _start(w, "c_signal")
    code = d["code"]
    assert _open(d) == ["appraise", "register_withdrawal"]
    appraise = step(d, "appraise")["task_id"]
    d = _do(w, d, "register_withdrawal", {"reason": "Người nộp rút hồ sơ"})
    assert d["status"] == "finished", d
    assert d["current_steps"] == []
    assert [t["id"] for t in _inbox(w, "cancelled")] == [appraise]
    ran = _ran(w, code)
    ends = [e for e in ran if e in ("appraisal_cancelled", "withdrawal_registered")]
    assert sorted(ends) == ["appraisal_cancelled", "withdrawal_registered"]
    assert d["end_event"] in ends
    assert ran.index("announce_withdrawal") < ran.index("on_withdrawn")
    assert "appraisal_cancelled" in ran and "appraised" not in ran


# -- what the API shows while a dossier waits --------------------------------------------



def test_data_shown_after_a_boundary_timer_path_ran(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    code = _start(w, "c_boundary_timer")["code"]
    d = _wake_at(w, clock, MONDAY_8AM + timedelta(hours=2), code)
    assert _open(d) == ["leader_appraise"]
    assert d["data"].get("escalated") is True


def test_data_shown_inside_a_call_activity(w: World) -> None:
    _deploy(w, "call_activity.bpmn")
    d = _start(w, "c_call_activity", {"copies": 3})
    assert _open(d) == ["record_payment"]
    assert d["data"].get("fee") == 150000
    r = w.client.get(f"/api/v1/tasks/{step(d, 'record_payment')['task_id']}",
                     headers=w.headers("officer"))
    assert r.get_json()["data"].get("fee") == 150000


def test_timer_fires_when_woken_at_exactly_its_due_instant(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    d = _start(w, "c_boundary_timer")
    due = _instant(d["next_wakeup"])
    assert due == MONDAY_8AM + timedelta(hours=1)
    d = _wake_at(w, clock, due, d["code"])
    assert _open(d) == ["leader_appraise"]


def test_data_entered_in_a_subprocess_is_shown_after_its_error_path(w: World) -> None:
    _deploy(w, "error_boundary.bpmn", "documents.json")
    d = _start(w, "c_error_boundary")
    d = _do(w, d, "check_documents", {"documents_ok": False, "missing": ["giay_to_nha"]})
    assert _open(d) == ["notify_refusal"]
    d = _do(w, d, "notify_refusal", {"letter_no": "TB-7"})
    _finished(d, "refused")
    assert d["data"].get("missing") == ["giay_to_nha"]
