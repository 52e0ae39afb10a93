"""Redis loses what it held or stops answering; the database's outbox and the workers' sweep
bring every timer back, and it fires once.

- flushed: FLUSHDB while wake-ups wait in Redis as delayed messages;
- unreachable: a redis-server of the test's own is shut down (what it held is gone) while
  clients keep receiving dossiers and completing tasks, which must go on working or answer
  a clear 503, never a 500; then it starts again, empty.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import redis

from tests.conftest import PG_URL, require
from tests.integration.chaos import RECOVERY_BOUND, Office, office
from tests.integration.production import OwnRedis, wait_for

pytestmark = pytest.mark.integration


def _settled(o: Office, finished: list[str], received: list[str]) -> bool:
    statuses, receipts = o.statuses(), o.receipts()
    return all(statuses[c] == "finished" for c in finished) and all(
        c in receipts for c in received)


def test_timers_fire_once_after_redis_is_flushed(redis_url: str, tmp_path: Path) -> None:
    with office(redis_url, tmp_path) as o:
        client, clerk = o.client("client"), o.client("clerk")
        first = o.intake(client, 8)
        wait_for(lambda: o.receipts().keys() >= set(first), RECOVERY_BOUND,
                 "the first dossiers' cooling-off fired")
        receipts = o.receipts()
        second = o.intake(client, 8)  # their cooling-off waits in Redis ...
        applied = []
        for code in first:  # ... and so does the first dossiers' two-second wait
            status, body, _ = clerk.complete(receipts[code])
            assert status == 200, body
            applied.append(receipts[code])
        redis.Redis.from_url(redis_url).flushdb()

        wait_for(lambda: _settled(o, first, second), RECOVERY_BOUND,
                 "every timer fired after the flush")
        o.check(accepted=first + second, applied=applied,
                timers={**{c: ["cool", "wait"] for c in first},
                        **{c: ["cool"] for c in second}})


def _unavailable(status: int, body: object) -> bool:
    """A 503 that says what is unavailable, as a problem with a code."""
    return status == 503 and isinstance(body, dict) and bool(body.get("code"))


def test_intake_and_completions_go_on_while_redis_is_down(tmp_path: Path) -> None:
    require(PG_URL, "MOTCUA_TEST_POSTGRES_URL")
    require(shutil.which("redis-server") or "", "redis-server on the PATH")
    own = OwnRedis(tmp_path / "redis")
    own.start()
    try:
        with office(own.url, tmp_path) as o:
            client, clerk = o.client("client"), o.client("clerk")
            first = o.intake(client, 6)
            wait_for(lambda: o.receipts().keys() >= set(first), RECOVERY_BOUND,
                     "the first dossiers' cooling-off fired")
            receipts = o.receipts()

            own.shutdown()
            second, applied, refused = [], [], []
            for code in first:
                status, body, _ = clerk.complete(receipts[code])
                assert status == 200 or _unavailable(status, body), (status, body)
                (applied if status == 200 else refused).append(receipts[code])
                status, body, _ = client.request(
                    "POST", "/api/v1/dossiers",
                    {"process_key": "timers_around_receipt", "applicant": {"name": "B"}})
                assert status == 201 or _unavailable(status, body), (status, body)
                if status == 201:
                    second.append(body["code"])
                status, body, _ = client.request("GET", f"/api/v1/dossiers/{code}")
                assert status == 200, body
            # every wake-up comes due while Redis is away
            wait_for(o.all_due, RECOVERY_BOUND, "every wake-up due")
            own.start()

            for task in refused:  # a 503 asked the client to come back later
                status, body, _ = clerk.complete(task)
                assert status == 200, body
                applied.append(task)
            wait_for(lambda: _settled(o, first, second), RECOVERY_BOUND,
                     "every timer fired once Redis was back")
            o.check(frozenset({503}), accepted=first + second, applied=applied,
                    timers={**{c: ["cool", "wait"] for c in first},
                            **{c: ["cool"] for c in second}})
    finally:
        own.shutdown()
