"""The benchmark process `five_steps.bpmn`: its key, receiving unit and the form data of
its five user tasks, in order (shared by bench_http.py and bench_inprocess.py)."""
from __future__ import annotations

from typing import Any

PROCESS_KEY = "bench_five_steps"
UNIT = "000.00.01.B01"  # a registered unit of province BENCH
FORM_DATA = [
    {"documents_ok": True, "note": "đủ hồ sơ"},
    {"check_result": "ok"},
    {"score": 8, "proposal": "cấp giấy chứng nhận", "urgent": False},
    {"approved": True, "signer": "Chủ tịch UBND xã"},
    {"delivered_by": "Nguyễn Thị Lan", "channel": "desk"},
]


def register_unit(ctx: object, province: str, code: str = UNIT) -> None:
    """Register the benchmark's unit (only registered units receive dossiers)."""
    from engine.org.files import Row
    from engine.services.org.load import load

    load(ctx, province, [Row("bench", "unit", {"code": code, "name": "Bench unit",  # type: ignore[arg-type]
                                               "kind": "department"})])


def bench_callers(ctx: Any, province: str) -> tuple[Any, Any, Any]:
    """The benchmark's unit registered, and its designer, portal and officer made."""
    from engine.services.org.auth import create_principal

    register_unit(ctx, province)
    made = [create_principal(ctx, name=f"Bench {who}", role=role, province=province,
                             unit=unit, position=position)[0]
            for who, role, unit, position in (("designer", "designer", None, None),
                                              ("portal", "client", UNIT, None),
                                              ("officer", "officer", UNIT, "officer"))]
    return made[0], made[1], made[2]
