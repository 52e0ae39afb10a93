"""The National Public Service Portal's view of a dossier: its ten status codes, and how a
procedure's configuration maps the dossier's progress onto them (DOMAIN.md §6).

A procedure's `status_mapping` names, for an element id of its diagram (a task, an event, an
end event) or for a dossier state (`received`, `accepted`, `paused`, `withdrawn`, `stopped`,
`finished`, `result_returned`), the code the portal shows once the dossier reaches it. What
the mapping does not name falls back to the platform's reading of the codes below.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

CODES: dict[int, str] = {
    1: "submitted online",
    2: "accepted",
    3: "refused",
    4: "in process",
    5: "supplement requested",
    6: "waiting for financial obligation",
    7: "applicant withdraws",
    8: "stopped",
    9: "processing finished",
    10: "result returned",
}
# As the national portal words them for the applicant.
CODES_VI: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Đã tiếp nhận",
    3: "Từ chối tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung hồ sơ",
    6: "Chờ thực hiện nghĩa vụ tài chính",
    7: "Công dân xin rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNELS: dict[str, int] = {"desk": 1, "online": 2, "post": 3}
APPLICANT_TYPES: dict[str, int] = {"citizen": 1, "business": 2, "agency": 3, "other": 4}
STATES = ("received", "accepted", "paused", "withdrawn", "stopped", "finished",
          "result_returned")
# What a state means to the portal when the procedure does not say otherwise.
DEFAULTS: dict[str, int] = {"accepted": 2, "paused": 5, "withdrawn": 7, "stopped": 8,
                            "finished": 9, "result_returned": 10}
# Codes no later step takes back: the applicant withdrew, the dossier was stopped, the
# result was handed over.
FINAL = frozenset({7, 8, 10})


def on_receipt(mapping: Mapping[str, int], channel: str, *, accepted: bool) -> int:
    """The code of a dossier just received: accepted at once at the desk (or when its clock
    starts), otherwise submitted online and waiting for reception."""
    if accepted:
        return mapping.get("accepted", DEFAULTS["accepted"])
    return mapping.get("received", 1 if channel == "online" else DEFAULTS["accepted"])


def on_state(mapping: Mapping[str, int], state: str) -> int:
    """The code of a dossier that entered `state` (one of STATES but `received`)."""
    return mapping.get(state, DEFAULTS.get(state, 4))


def after_steps(current: int | None, mapping: Mapping[str, int], elements: Iterable[str], *,
                officer_acted: bool = False) -> int | None:
    """The code after the dossier ran or reached `elements` (in the order they happened): the
    last one the mapping names; failing that, an accepted dossier on which an officer
    completed a task is `in process`."""
    if current in FINAL:
        return current
    code = 4 if officer_acted and current == DEFAULTS["accepted"] else current
    for element in elements:
        if element in mapping:
            code = mapping[element]
    return code


def portal_date(at: datetime | None) -> str | None:
    """The portal's date form, yyyyMMddHHmmss (in the platform's stored time)."""
    return at.strftime("%Y%m%d%H%M%S") if at is not None else None
