"""Failed authentications from one address are slowed down (429 with Retry-After), without
locking out tokens already accepted; shared through Redis by every API process."""
from __future__ import annotations

import pytest

from tests.conftest import World, make_world


def attempt(world: World, token: str, address: str = "10.0.0.7") -> int:
    return world.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"},
                            environ_base={"REMOTE_ADDR": address}).status_code


def test_repeated_failures_from_one_address_are_answered_429(db_url: str) -> None:
    world = make_world(db_url, auth_failures_per_minute=3)
    try:
        assert attempt(world, world.tokens["officer"]) == 200  # accepted, so remembered
        assert [attempt(world, f"mc_guess{i}") for i in range(4)] == [401, 401, 401, 429]
        r = world.client.get("/api/v1/tasks", headers={"Authorization": "Bearer mc_guess"},
                             environ_base={"REMOTE_ADDR": "10.0.0.7"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.get_json()["code"] == "too-many-attempts"
        # The guesser does not lock out a colleague whose token was accepted, nor others.
        assert attempt(world, world.tokens["officer"]) == 200
        assert attempt(world, "mc_guess", address="10.0.0.8") == 401
        # A valid token this process has not accepted yet waits like the guesses.
        assert attempt(world, world.tokens["auditor"]) == 429
    finally:
        world.ctx.db_engine.dispose()


def test_the_count_is_shared_through_redis(db_url: str, redis_url: str) -> None:
    first = make_world(db_url, auth_failures_per_minute=2, redis_url=redis_url)
    second = make_world(db_url, auth_failures_per_minute=2, redis_url=redis_url)
    try:
        assert attempt(first, "mc_a", "10.9.9.9") == 401
        assert attempt(second, "mc_b", "10.9.9.9") == 401
        assert attempt(first, "mc_c", "10.9.9.9") == 429
        assert attempt(second, "mc_d", "10.9.9.9") == 429
    finally:
        first.ctx.db_engine.dispose()
        second.ctx.db_engine.dispose()


def test_unreachable_redis_falls_back_to_counting_locally(db_url: str) -> None:
    world = make_world(db_url, auth_failures_per_minute=2,
                       redis_url="redis://127.0.0.1:1/0")
    try:
        assert [attempt(world, f"mc_{i}") for i in range(3)] == [401, 401, 429]
    finally:
        world.ctx.db_engine.dispose()


@pytest.mark.parametrize("limit", [0])
def test_no_limit_when_set_to_zero(db_url: str, limit: int) -> None:
    world = make_world(db_url, auth_failures_per_minute=limit)
    try:
        assert {attempt(world, f"mc_{i}") for i in range(40)} == {401}
    finally:
        world.ctx.db_engine.dispose()
