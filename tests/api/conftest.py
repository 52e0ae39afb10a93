"""Fixtures of the API tests (the `world` fixture lives in tests/conftest.py)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.clock import ManualClock
from tests.api.constructs import MONDAY_8AM
from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS
from tests.conftest import World, make_world


@pytest.fixture
def two_steps(world: Any) -> Any:
    """`world` with two_steps.bpmn deployed (version 1)."""
    r = world.deploy(TWO_STEPS, TWO_STEPS_FORMS)
    assert r.status_code == 201, r.get_json()
    return world


# The BPMN construct tests (test_bpmn_flow, test_bpmn_events); test_statutory_clock has a
# `clocked` of its own, which takes precedence in that module.
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
