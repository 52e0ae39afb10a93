"""The `*.scenarios.json` format (processes/README.md), read and checked before anything runs:
a malformed file is refused naming the JSON pointer at fault."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InvalidInput
from engine.nesting import check_nesting

MAX_SCENARIOS = 200
MAX_STEPS = 500
ENDINGS = {"withdraw": "withdrawn", "stop": "stopped"}  # step -> the dossier's status after
STATUSES = ("in_process", "finished", "withdrawn", "stopped")


@dataclass(frozen=True)
class Scenario:
    """One scenario: the dossier it starts with, the steps taken and what must be true at
    the end. A step is {"task", "data"}, {"message", "data"}, {"wait": ISO duration}, or,
    last, {"withdraw": the applicant's reason} or {"stop": the grounds} (form 05)."""

    name: str
    applicant: dict[str, Any]
    data: dict[str, Any]
    steps: list[dict[str, Any]]
    expect: dict[str, Any] = field(default_factory=dict)


def parse_scenarios(raw: bytes, *, source: str = "scenarios") -> list[Scenario]:
    """The scenarios of an upload, or InvalidInput naming each place at fault."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{source} is not JSON: {exc}",
                           errors=[{"field": source, "message": f"not JSON: {exc}"}]) from None
    except RecursionError:
        raise InvalidInput(f"{source} is nested too deeply", errors=[{
            "field": source, "message": "nested too deeply"}]) from None
    errors: list[dict[str, Any]] = []
    if not isinstance(body, list):
        body = []
        errors.append({"field": source, "message": "must be a list of scenarios"})
    elif len(body) > MAX_SCENARIOS:
        errors.append({"field": source, "message": f"at most {MAX_SCENARIOS} scenarios"})
    found: list[Scenario] = []
    names: set[str] = set()
    for index, item in enumerate(body[:MAX_SCENARIOS]):
        where = f"{source}/{index}"
        scenario = _scenario(item, where, errors)
        if scenario is None:
            continue
        if scenario.name in names:
            errors.append({"field": f"{where}/name", "message": "a second scenario of this name"})
        names.add(scenario.name)
        found.append(scenario)
    if errors:
        raise InvalidInput(f"invalid {source}", errors=errors)
    return found


def _scenario(item: Any, where: str, errors: list[dict[str, Any]]) -> Scenario | None:
    if not isinstance(item, dict):
        errors.append({"field": where, "message": "must be an object"})
        return None
    before = len(errors)
    name = item.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        errors.append({"field": f"{where}/name", "message": "a name of 1 to 200 characters"})
    applicant = _object(item, "applicant", where, errors)
    data = _object(item, "data", where, errors)
    steps = item.get("steps", [])
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        errors.append({"field": f"{where}/steps",
                       "message": f"must be a list of at most {MAX_STEPS} steps"})
        steps = []
    for number, step in enumerate(steps):
        _step(step, f"{where}/steps/{number}", errors)
        if isinstance(step, dict) and set(step) & set(ENDINGS) and number < len(steps) - 1:
            errors.append({"field": f"{where}/steps/{number + 1}",
                           "message": "no step after the dossier is withdrawn or stopped"})
    expect = item.get("expect")
    if not isinstance(expect, dict) or not isinstance(expect.get("finished"), bool):
        errors.append({"field": f"{where}/expect",
                       "message": "an object with `finished` (true or false)"})
    else:
        _expect(expect, f"{where}/expect", errors)
    unknown = sorted(set(item) - {"name", "applicant", "data", "steps", "expect"})
    if unknown:
        errors.append({"field": f"{where}/{unknown[0]}", "message": "unknown key"})
    if len(errors) > before:
        return None
    return Scenario(str(name), applicant, data, list(steps), dict(expect or {}))


def _object(item: dict[str, Any], key: str, where: str,
            errors: list[dict[str, Any]]) -> dict[str, Any]:
    value = item.get(key, {})
    if not isinstance(value, dict):
        errors.append({"field": f"{where}/{key}", "message": "must be an object"})
        return {}
    try:
        check_nesting(f"/{key}", value)
    except InvalidInput as exc:
        errors.append({"field": f"{where}/{key}", "message": exc.message})
    return value


def _step(step: Any, where: str, errors: list[dict[str, Any]]) -> None:
    kinds = [k for k in ("task", "message", "wait", *ENDINGS)
             if isinstance(step, dict) and k in step]
    if len(kinds) != 1:
        errors.append({"field": where, "message": "an object with one of `task`, `message`, "
                                                  "`wait`, `withdraw` or `stop`"})
        return
    kind = kinds[0]
    if not isinstance(step[kind], str) or not step[kind].strip():
        errors.append({"field": f"{where}/{kind}", "message": "must be a non-empty string"})
    if kind == "wait" or kind in ENDINGS:
        if set(step) != {kind}:
            errors.append({"field": where, "message": f"a {kind} step has only `{kind}`"})
        return
    _object(step, "data", where, errors)
    unknown = sorted(set(step) - {kind, "data"})
    if unknown:
        errors.append({"field": f"{where}/{unknown[0]}", "message": "unknown key"})


def _expect(expect: dict[str, Any], where: str, errors: list[dict[str, Any]]) -> None:
    if "end_event" in expect and not isinstance(expect["end_event"], str):
        errors.append({"field": f"{where}/end_event", "message": "must be an element id"})
    if not isinstance(expect.get("data", {}), dict):
        errors.append({"field": f"{where}/data", "message": "must be an object"})
    absent = expect.get("data_absent", [])
    if not isinstance(absent, list) or not all(isinstance(k, str) for k in absent):
        errors.append({"field": f"{where}/data_absent", "message": "must be a list of keys"})
    if "status" in expect and expect["status"] not in STATUSES:
        errors.append({"field": f"{where}/status", "message": f"one of {', '.join(STATUSES)}"})
    unknown = sorted(set(expect) - {"finished", "end_event", "data", "data_absent", "status"})
    if unknown:
        errors.append({"field": f"{where}/{unknown[0]}", "message": "unknown key"})
