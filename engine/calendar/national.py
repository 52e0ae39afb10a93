"""The national calendar `vn`, from which province calendars derive.

Public holidays come from `holidays.VN` (checked against the Labour Code list: 1 Jan, Tết,
Hùng Kings, 30 Apr, 1 May, 2 Sep plus an adjacent day, 24 Nov from 2026; none is missing).
`holidays.VN` does mark the bridge days off that the government swaps ("Day off (substituted
from ...)") but not the Saturdays worked in exchange, so those Saturdays are data rows here.
They always apply (effective_from 1970-01-01) because the matching day off from `holidays`
always applies too.
"""
from __future__ import annotations

from functools import lru_cache

from engine.calendar.csvio import parse_overrides_csv
from engine.calendar.model import Calendar

NATIONAL_ID = "vn"

SWAPPED_SATURDAYS_CSV = """\
date,kind,reason,effective_from
2019-01-05,working_day,Worked in exchange for 31 Dec 2018 off,1970-01-01
2019-05-04,working_day,Worked in exchange for 29 Apr 2019 off,1970-01-01
2024-05-04,working_day,Worked in exchange for 29 Apr 2024 off,1970-01-01
2025-04-26,working_day,Worked in exchange for 2 May 2025 off,1970-01-01
2026-08-22,working_day,Worked in exchange for 31 Aug 2026 off,1970-01-01
"""


@lru_cache(maxsize=1)
def national_calendar() -> Calendar:
    """The built-in national calendar (office hours, `holidays.VN`, swapped Saturdays)."""
    return Calendar(
        id=NATIONAL_ID,
        name="Việt Nam",
        overrides=tuple(parse_overrides_csv(SWAPPED_SATURDAYS_CSV)),
    )
