"""A completion sent with an Idempotency-Key keeps its first answer: a client retrying after
a lost answer gets that answer again (not 409), the same key for another request is a 422,
and keys belong to the principal that sent them."""
from __future__ import annotations

from typing import Any

from tests.api.helpers import assert_problem, history, officer_for, started, step


def _complete(world: Any, task_id: str, data: dict[str, Any], key: str | None,
              who: str | None = None) -> Any:
    who = who or officer_for(world, task_id)
    headers = {**world.headers(who), **({"Idempotency-Key": key} if key else {})}
    return world.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data},
                             headers=headers)


def _receipt(world: Any) -> tuple[str, str]:
    d = started(world)
    return d["code"], step(d, "receive")["task_id"]


def test_a_retry_with_the_key_gets_the_first_answer(two_steps: Any) -> None:
    code, task = _receipt(two_steps)
    first = _complete(two_steps, task, {"copies": 2}, "done-1")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["current_steps"][0]["element_id"] == "appraise"
    again = _complete(two_steps, task, {"copies": 2}, "done-1")
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == first.get_json()
    completions = [e for e in history(two_steps, code) if e["kind"] == "task.completed"]
    assert len(completions) == 1
    # without the key, the same request is what it always was: the task is done
    assert_problem(_complete(two_steps, task, {"copies": 2}, None), 409,
                   "task-already-completed")


def test_the_key_with_another_request_is_refused(two_steps: Any) -> None:
    code, task = _receipt(two_steps)
    assert _complete(two_steps, task, {"copies": 2}, "k-2").status_code == 200
    body = assert_problem(_complete(two_steps, task, {"copies": 3}, "k-2"), 422,
                          "idempotency-key-reused")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    assert task in body["errors"][0]["message"]
    # another task under a used key: refused, and that task is left open
    _, other = _receipt(two_steps)
    body = assert_problem(_complete(two_steps, other, {"copies": 2}, "k-2"), 422,
                          "idempotency-key-reused")
    r = two_steps.client.get(f"/api/v1/tasks/{other}", headers=two_steps.headers("auditor"))
    assert r.get_json()["status"] == "open"


def test_the_same_body_with_keys_in_another_order_is_the_same_request(two_steps: Any) -> None:
    _, task = _receipt(two_steps)
    who = officer_for(two_steps, task)
    headers = {**two_steps.headers(who), "Idempotency-Key": "order",
               "Content-Type": "application/json"}
    url = f"/api/v1/tasks/{task}/complete"
    first = two_steps.client.post(url, data='{"data": {"copies": 1, "note": "a"}}',
                                  headers=headers)
    again = two_steps.client.post(url, data='{"data": {"note": "a", "copies": 1}}',
                                  headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()


def test_keys_belong_to_their_caller(two_steps: Any) -> None:
    _, task = _receipt(two_steps)
    who = officer_for(two_steps, task)
    assert _complete(two_steps, task, {"copies": 2}, "mine", who=who).status_code == 200
    # another officer of the same unit and position, with the same key and request,
    # does not get the first officer's answer: for it the task is simply done
    position = two_steps.client.get(f"/api/v1/tasks/{task}",
                                    headers=two_steps.headers("auditor")).get_json()["position"]
    two_steps.principal("colleague", "officer", unit=two_steps.unit,
                        position=position or "officer")
    assert_problem(_complete(two_steps, task, {"copies": 2}, "mine", who="colleague"), 409,
                   "task-already-completed")
    # and its own use of that key string is its own
    _, other = _receipt(two_steps)
    r = _complete(two_steps, other, {"copies": 1}, "mine", who="colleague")
    assert r.status_code == 200, r.get_json()


def test_a_refused_completion_keeps_no_answer(two_steps: Any) -> None:
    _, task = _receipt(two_steps)
    assert_problem(_complete(two_steps, task, {"copies": 99}, "bad-then-good"), 422,
                   "form-invalid")
    r = _complete(two_steps, task, {"copies": 1}, "bad-then-good")
    assert r.status_code == 200, r.get_json()


def test_an_overlong_key_is_refused_naming_it(two_steps: Any) -> None:
    _, task = _receipt(two_steps)
    body = assert_problem(_complete(two_steps, task, {"copies": 1}, "k" * 201), 422,
                          "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    assert _complete(two_steps, task, {"copies": 1}, "k" * 200).status_code == 200
