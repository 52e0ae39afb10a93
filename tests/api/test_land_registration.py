"""First land registration on the demo (DOMAIN.md §3.5): received at a commune centre, checked
by the land registration branch, handed to the tax office, whose system sends the notice; the
applicant's payment is its own state (portal code 6), with the statutory clock paused but no
supplement request counted; then the certificate is signed and returned at the commune."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.demo import COMMUNES, LAND_BRANCH, TAX
from engine.clock import ManualClock
from engine.services.org.auth import hash_token
from tests.api.test_officer_day import call, demo, step
from tests.conftest import World

__all__ = ["demo"]  # the fixture

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = json.loads((ROOT / "processes" / "land_first_registration.scenarios.json")
                       .read_text(encoding="utf-8"))
PAID = next(s for s in SCENARIOS if s["name"] == "supplement_then_granted")


def data_of(element: str, nth: int = 0) -> dict[str, Any]:
    found = [s["data"] for s in PAID["steps"] if s.get("task", s.get("message")) == element]
    return dict(found[nth])


def complete(w: World, who: str, code: str, element: str, nth: int = 0) -> dict[str, Any]:
    task = step(w, code, element)
    return call(w, who, "POST", f"/tasks/{task['task_id']}/complete",
                {"data": data_of(element, nth)})


def test_the_tax_step_waits_for_the_notice_then_the_payment_with_the_clock_paused(
        demo: tuple[World, ManualClock]) -> None:
    w, clock = demo
    applicant = {k: v for k, v in PAID["applicant"].items() if k != "channel"}
    started = call(w, "client", "POST", "/dossiers", {
        "process_key": "land_first_registration", "channel": "desk", "unit": COMMUNES[0],
        "applicant": applicant, "data": PAID["data"]})
    code = started["code"]
    assert code.startswith(COMMUNES[0])
    complete(w, "commune1-reception", code, "reception")
    assert step(w, code, "appraisal")["unit"] == LAND_BRANCH
    complete(w, "land-specialist", code, "appraisal")  # asks for a supplement
    paused = complete(w, "land-specialist", code, "request_supplement")
    assert paused["portal_status"]["code"] == 5
    clock.advance(timedelta(hours=4))
    call(w, "client", "POST", f"/dossiers/{code}/supplement", data_of("supplement"))
    complete(w, "land-specialist", code, "appraisal", 1)
    waiting = complete(w, "land-specialist", code, "transfer_to_tax")
    assert waiting["portal_status"]["code"] == 4 and not waiting["paused"]

    # The tax office's system, granted the dossier, sends its notice.
    with w.ctx.uow(readonly=True) as uow:
        tax = uow.repo.principal_by_token_hash(hash_token("demo-tax-client"))
        assert tax is not None and tax.unit == TAX
        tax_id = tax.id
    call(w, "client", "POST", f"/dossiers/{code}/grants", {"client": tax_id})
    notified = call(w, "tax-client", "POST", f"/dossiers/{code}/messages/tax_notice",
                    {"payload": data_of("tax_notice"), "message_id": "tb-2026-00871"})
    assert notified["portal_status"] == {"code": 6, "name": "waiting for financial obligation"}
    assert notified["paused"]
    due_before = notified["due_at"]
    clock.advance(timedelta(days=2))
    paid = call(w, "client", "POST", f"/dossiers/{code}/messages/fee_paid",
                {"payload": data_of("fee_paid"), "message_id": "kbnn-118822"})
    assert paid["portal_status"]["code"] == 4 and not paid["paused"]
    assert paid["due_at"] > due_before  # the payment's working time is not counted
    assert paid["pause_count"] == 1 and paid["flags"] == []  # one supplement request only

    complete(w, "land-leader", code, "approval")
    done = complete(w, "commune1-reception", code, "return_result")
    assert done["status"] == "finished" and done["portal_status"]["code"] == 10
    assert done["data"]["certificate_register_number"] == "CS-12-345"

    packet = call(w, "client", "GET", f"/dossiers/{code}/sync-packet")
    assert len(packet["supplement_requests"]) == 1  # the payment's pause is not one
    assert [f["amount"] for f in packet["fees"]] == [27526250]
    events = call(w, "auditor", "GET", f"/dossiers/{code}/history?limit=1000")["items"]
    pauses = [e for e in events if e["kind"] == "clock.paused"]
    assert [(e["element_id"], e["payload"]["supplement"]) for e in pauses] == [
        ("supplement_received", True), ("fee_paid_received", False)]
