"""Fixtures of the API tests (the `world` fixture lives in tests/conftest.py)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import TWO_STEPS, TWO_STEPS_FORMS


@pytest.fixture
def two_steps(world: Any) -> Any:
    """`world` with two_steps.bpmn deployed (version 1)."""
    r = world.deploy(TWO_STEPS, TWO_STEPS_FORMS)
    assert r.status_code == 201, r.get_json()
    return world
