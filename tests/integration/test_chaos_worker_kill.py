"""`motcua worker` is killed (SIGKILL, the whole process group, as a crash or the OOM killer
would) while timers are coming due and firing; the wake-ups it held in memory are lost with
it. A new worker's sweep finds the dossiers whose wake-up passed: every timer fires once."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.integration.chaos import RECOVERY_BOUND, office
from tests.integration.production import wait_for

pytestmark = pytest.mark.integration

DOSSIERS = 24


def test_timers_fire_once_when_the_worker_is_killed(redis_url: str, tmp_path: Path) -> None:
    with office(redis_url, tmp_path) as o:
        codes = o.intake(o.client("client"), DOSSIERS)  # each cools off for 3 s
        wait_for(lambda: o.fired("cool") > 0, RECOVERY_BOUND, "the first timer fired")
        o.worker.kill_group(signal.SIGKILL)
        o.worker.popen.wait(timeout=30)
        wait_for(o.all_due, RECOVERY_BOUND, "every timer due")  # due with no worker running
        o.restart_worker()

        wait_for(lambda: o.receipts().keys() >= set(codes), RECOVERY_BOUND,
                 "every timer fired after the restart")
        o.check(accepted=codes, timers={c: ["cool"] for c in codes})
