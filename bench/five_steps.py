"""The benchmark process `five_steps.bpmn`: its key, receiving unit and the form data of
its five user tasks, in order (shared by bench_http.py and bench_inprocess.py)."""
from __future__ import annotations

PROCESS_KEY = "bench_five_steps"
UNIT = "BENCH.01"
FORM_DATA = [
    {"documents_ok": True, "note": "đủ hồ sơ"},
    {"check_result": "ok"},
    {"score": 8, "proposal": "cấp giấy chứng nhận", "urgent": False},
    {"approved": True, "signer": "Chủ tịch UBND xã"},
    {"delivered_by": "Nguyễn Thị Lan", "channel": "desk"},
]
