"""Time limits as procedures and step budgets write them (engine.deadlines.limits)."""
from __future__ import annotations

import math

import pytest

from engine.deadlines.limits import MAX_VALUE, Limit, parse_budget
from engine.errors import InvalidInput


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.errors}


@pytest.mark.parametrize("unit", sorted(MAX_VALUE))
def test_the_longest_limit_of_each_unit_is_accepted_and_one_more_is_not(unit: str) -> None:
    assert Limit.from_dict({"value": MAX_VALUE[unit], "unit": unit}, "l").value == \
        MAX_VALUE[unit]
    with pytest.raises(InvalidInput) as info:
        Limit.from_dict({"value": MAX_VALUE[unit] + 1, "unit": unit}, "rules[0].limits.desk")
    assert _fields(info) == {"rules[0].limits.desk.value": f"at most {MAX_VALUE[unit]} {unit}"}


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 0, -3, True, "5"])
def test_a_limit_value_must_be_a_finite_positive_number(value: object) -> None:
    for unit in ("working_days", "months"):
        with pytest.raises(InvalidInput) as info:
            Limit.from_dict({"value": value, "unit": unit}, "l")
        assert _fields(info) == {"l.value": "a positive number"}


@pytest.mark.parametrize("text", [
    "P99999999D", "PT99999999999H", "P9999999M", "99999999 working_days", "1e999 hours",
    "nan working_days",
])
def test_budgets_beyond_the_horizon_name_the_property(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_budget(text, "review.stepBudget")
    assert set(_fields(info)) <= {"review.stepBudget", "review.stepBudget.value"}
    assert _fields(info)


@pytest.mark.parametrize(("text", "limit"), [
    ("P2D", Limit(16, "working_hours")),
    ("PT4H", Limit(4, "working_hours")),
    ("P1M", Limit(1, "months")),
    ("2 working_days", Limit(2, "working_days")),
])
def test_budgets_as_designers_write_them(text: str, limit: Limit) -> None:
    assert parse_budget(text) == limit


def test_procedure_codes_and_keys_are_as_long_as_the_store_keeps_them() -> None:
    from engine.deadlines.rules import MAX_CODE, MAX_KEY, MAX_POSITION
    from engine.store.models import StoredProcedure, max_length

    table = StoredProcedure.__table__.c
    assert (MAX_CODE, MAX_KEY) == (max_length(table.code), max_length(table.process_key))
    from engine.store.models import Principal, Task

    assert MAX_POSITION == max_length(Principal.__table__.c.position) \
        == max_length(Task.__table__.c.position)
