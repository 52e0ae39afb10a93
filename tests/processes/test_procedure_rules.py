"""Every `processes/*.procedure.json` is a procedure the API takes, for its own diagram, and
the limits it publishes fall where the law puts them."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.calendar import national_calendar
from engine.codes import LOCAL_TZ
from engine.deadlines.limits import add_limit
from engine.deadlines.rules import Procedure

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
FILES = sorted(PROCESSES.glob("*.procedure.json"))


def _procedure(stem: str) -> Procedure:
    body = json.loads((PROCESSES / f"{stem}.procedure.json").read_text(encoding="utf-8"))
    return Procedure.from_dict(body.pop("code"), body)


def _due(stem: str, received: datetime, channel: str = "desk") -> datetime:
    rule = _procedure(stem).rule_for(received.date())
    assert rule is not None
    limit = rule.limit_for(channel)
    assert limit is not None
    return add_limit(national_calendar(), received, limit)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=LOCAL_TZ)  # 2 March 2026 is a Monday


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_procedure_is_valid_for_its_own_diagram(path: Path) -> None:
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    procedure = Procedure.from_dict(body.pop("code"), body)
    assert procedure.process_key == path.name.removesuffix(".procedure.json")
    assert (PROCESSES / f"{procedure.process_key}.bpmn").is_file()
    xml = (PROCESSES / f"{procedure.process_key}.bpmn").read_text(encoding="utf-8")
    for element in procedure.status_mapping:
        if element not in ("received", "accepted", "paused", "withdrawn", "stopped",
                           "finished", "result_returned"):
            assert f'id="{element}"' in xml, f"status_mapping names {element}, not in the diagram"


@pytest.mark.parametrize(("received", "due"), [
    (_at(2, 9), _at(2, 11)),             # in the morning: the same day
    (_at(2, 14, 59), _at(2, 16, 59)),    # just before 15:00: still the same day
    (_at(2, 15, 30), _at(3, 7, 30)),     # after 15:00: the next working morning
    (_at(6, 16), _at(9, 8)),             # Friday afternoon: Monday morning
])
def test_a_birth_is_registered_the_same_day_or_the_next_morning(received: datetime,
                                                                 due: datetime) -> None:
    assert _due("birth_registration", received) == due


def test_a_house_permit_is_due_fifteen_days_on_rolled_to_a_working_day() -> None:
    assert _due("construction_permit_house", _at(2, 9)) == _at(17, 9)
    late = _due("construction_permit_house", _at(6, 9))  # 15 days on is Saturday 21 March
    assert late.astimezone(LOCAL_TZ).date().isoformat() == "2026-03-23"


@pytest.mark.parametrize("stem", ["birth_registration", "construction_permit_house"])
def test_every_channel_has_its_limit_and_its_basis(stem: str) -> None:
    body = json.loads((PROCESSES / f"{stem}.procedure.json").read_text(encoding="utf-8"))
    for rule in body["rules"]:
        assert set(rule["limits"]) == {"desk", "online", "post"}
        assert set(rule["limit_basis"]) == set(rule["limits"])
    assert body["unconfirmed"] and body["sources"]
    assert body["level"] == "commune"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_procedure_is_described_as_it_is_published(path: Path) -> None:
    """What people read of every procedure of the catalogue: its national code (null where
    not confirmed, and said so), names in both languages, channels, documents, fees, the
    legal basis of each limit, its sources and what could not be confirmed."""
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["national_code"] or any("national_code" in k for k in body["unconfirmed"])
    assert body["name"] and body["name_en"] and body["sector"]
    assert body["level"] in ("commune", "province")
    assert body["channels"] and set(body["channels"]) <= {"desk", "online", "post"}
    assert body["result_channels"] and set(body["result_channels"]) <= {"desk", "post",
                                                                        "electronic"}
    assert body["required_documents"] and all(isinstance(d, str) for d in body["required_documents"])
    assert body["fees"] and all(
        {"name", "amount_vnd", "basis"} <= set(f) and f["amount_vnd"] >= 0 for f in body["fees"])
    for rule in body["rules"]:
        assert set(rule["limit_basis"]) == set(rule["limits"])
    assert body["sources"] and body["unconfirmed"]
