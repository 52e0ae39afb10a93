"""One of gunicorn's two worker processes is killed (SIGKILL) while officers complete tasks
over HTTP. A client whose connection dropped cannot know whether its completion was applied
and sends it again: the retry answers 200 (applied now, or recognised by its
Idempotency-Key) or 409 task-already-completed (applied the first time). Either way each
completion is applied exactly once, and none is lost."""
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from tests.integration.chaos import RECOVERY_BOUND, office
from tests.integration.production import children, wait_for

pytestmark = pytest.mark.integration

CLIENTS = 4
TASKS_EACH = 8
KILL_AFTER = 6  # completions answered before the kill


def test_each_completion_applied_once_when_a_server_process_is_killed(
        redis_url: str, tmp_path: Path) -> None:
    with office(redis_url, tmp_path) as o:
        codes = o.intake(o.client("client"), CLIENTS * TASKS_EACH)
        wait_for(lambda: o.receipts().keys() >= set(codes), RECOVERY_BOUND,
                 "every dossier waiting at its receipt")
        receipts = o.receipts()
        shares = [[receipts[c] for c in codes[n::CLIENTS]] for n in range(CLIENTS)]
        applied: list[str] = []
        unexpected: list[tuple[str, int, object]] = []
        answered = threading.Semaphore(0)
        lock = threading.Lock()

        def officer(tasks: list[str]) -> None:
            clerk = o.client("clerk")
            for task in tasks:
                try:
                    status, body, retried = clerk.complete(task)
                except Exception as exc:  # reported below, in the test's own thread
                    status, body, retried = 0, repr(exc), False
                already = status == 409 and isinstance(body, dict) \
                    and body.get("code") == "task-already-completed"
                with lock:
                    if status == 200 or (already and retried):
                        applied.append(task)
                    else:
                        unexpected.append((task, status, body))
                answered.release()

        threads = [threading.Thread(target=officer, args=(s,)) for s in shares]
        for t in threads:
            t.start()
        try:
            for _ in range(KILL_AFTER):
                assert answered.acquire(timeout=RECOVERY_BOUND), "no completion answered"
            os.kill(children(o.server.pid)[0], signal.SIGKILL)
        finally:
            for t in threads:
                t.join(timeout=RECOVERY_BOUND)
        assert not any(t.is_alive() for t in threads), "a client is still waiting"
        assert not unexpected, unexpected
        wait_for(lambda: len(children(o.server.pid)) == 2, RECOVERY_BOUND,
                 "gunicorn replaced its killed worker")

        wait_for(lambda: set(o.statuses().values()) == {"finished"}, RECOVERY_BOUND,
                 "every dossier's wait fired")
        o.check(accepted=codes, applied=applied,
                timers={c: ["cool", "wait"] for c in codes})
        assert sorted(applied) == sorted(t for s in shares for t in s)
