"""Helpers of the deployment tests: uploads with scenarios and options, the shipped
household business registration and its scenarios, a process's versions."""
from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

from tests.api.helpers import TWO_STEPS
from tests.conftest import World

API = "/api/v1/process-definitions"
ROOT = Path(__file__).resolve().parents[2]
HKD = ROOT / "processes" / "household_business_registration.bpmn"
HKD_SCENARIOS = json.loads(HKD.with_suffix(".scenarios.json").read_text(encoding="utf-8"))


def hkd_forms() -> dict[str, bytes]:
    """The forms the household business registration names."""
    names = set(re.findall(r'name="formJsonSchemaFilename"\s+value="([^"]+)"',
                           HKD.read_text(encoding="utf-8")))
    return {n: (ROOT / "forms" / n).read_bytes() for n in names}


def upload(world: World, xml: bytes, forms: dict[str, bytes], *,
           scenarios: Any = None, path: str = API, form: dict[str, str] | None = None,
           query: dict[str, str] | None = None) -> Any:
    """A multipart deployment (or validation, by `path`) as the designer; `scenarios` a
    list (sent as JSON) or raw bytes; `form` extra form fields, `query` the query string."""
    data: dict[str, Any] = {"bpmn": (io.BytesIO(xml), "diagram.bpmn"),
                            "forms": [(io.BytesIO(b), n) for n, b in forms.items()],
                            **(form or {})}
    if scenarios is not None:
        raw = scenarios if isinstance(scenarios, bytes) else json.dumps(scenarios).encode()
        data["scenarios"] = (io.BytesIO(raw), "x.scenarios.json")
    return world.client.post(path, data=data, query_string=query or {},
                             headers=world.headers("designer"),
                             content_type="multipart/form-data")


def two_steps_xml(**replace: str) -> bytes:
    xml = TWO_STEPS.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode("utf-8")


def broken_scenarios() -> list[dict[str, Any]]:
    """The shipped scenarios, the third expecting an end the diagram does not reach."""
    scenarios = copy.deepcopy(HKD_SCENARIOS)
    scenarios[2]["expect"]["end_event"] = "result_returned"
    return scenarios


def versions_of(world: World, key: str) -> list[dict[str, Any]]:
    r = world.client.get(f"{API}/{key}", headers=world.headers("auditor"))
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())
