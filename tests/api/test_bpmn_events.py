"""Timers, messages, event-based gateways, errors, escalations and signals, end to end
through the HTTP API."""
from __future__ import annotations

from datetime import datetime, timedelta

from engine.clock import ManualClock
from tests.api.constructs import (
    MONDAY_8AM,
    VN,
    World,
    _deploy,
    _do,
    _finished,
    _inbox,
    _instant,
    _kinds,
    _message,
    _open,
    _ran,
    _start,
    _wake_at,
)
from tests.api.helpers import assert_problem, complete, dossier, history, step

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
    # No element catches `refund`: refused. The process waits for `withdrawn` (boundary)
    # but not yet for `paid`: kept until it does.
    body = assert_problem(_message(w, code, "refund", {}, "x-1"), 422, "invalid-input")
    assert body["errors"][0]["field"] == "name"
    early = _message(w, code, "paid", {"amount": 50000}, "pay-1")
    assert early.status_code == 202, early.get_json()
    assert early.get_json()["buffered"] is True and early.get_json()["name"] == "paid"
    assert dossier(w, code)["status"] == "in_process"
    # Completing the task brings the process to `wait_paid`: the kept message is delivered
    # in the same command.
    d = _do(w, d, "appraise", {"decision": "approve"})
    _finished(d, "done")
    assert d["data"]["amount"] == 50000 and d["data"]["receipt_no"] == "BL-50000"
    seen = len(history(w, code))
    again = _message(w, code, "paid", {"amount": 1}, "pay-1")
    assert again.status_code == 200 and again.get_json()["status"] == "finished"
    assert again.get_json()["data"]["amount"] == 50000
    assert len(history(w, code)) == seen
    kinds = [e["kind"] for e in history(w, code)]
    assert kinds.index("message.buffered") < kinds.index("task.completed") \
        < kinds.index("message.received")
    received = [e for e in history(w, code) if e["kind"] == "message.received"]
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


def test_timer_fires_when_woken_at_exactly_its_due_instant(
        clocked: tuple[World, ManualClock]) -> None:
    w, clock = clocked
    _deploy(w, "boundary_timer.bpmn")
    d = _start(w, "c_boundary_timer")
    due = _instant(d["next_wakeup"])
    assert due == MONDAY_8AM + timedelta(hours=1)
    d = _wake_at(w, clock, due, d["code"])
    assert _open(d) == ["leader_appraise"]
