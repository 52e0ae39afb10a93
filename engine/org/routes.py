"""How a user task names the unit that does it (liên thông): its `unit` extension property.

- left out, or `handling`: the dossier's handling unit (by default its receiving unit);
- `receiving`: the unit that received the dossier (to return the result, say);
- an official unit code (`000.00.20.H56`): always that unit;
- a field of the dossier's data (`handling_unit`, `routing.department`): the unit an earlier
  step chose, e.g. at reception.
"""
from __future__ import annotations

import re

from engine.org.units import OFFICIAL_CODE

HANDLING = "handling"
RECEIVING = "receiving"
FIELD_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}")


def route_problem(value: str) -> str | None:
    """Why `value` cannot be a task's `unit` property (None: it can)."""
    if value in (HANDLING, RECEIVING) or OFFICIAL_CODE.fullmatch(value) \
            or FIELD_PATH.fullmatch(value):
        return None
    return (f"unit {value!r} must be 'handling', 'receiving', an official unit code such as "
            "000.00.20.H56, or a field of the dossier's data such as handling_unit")


def is_field(value: str) -> bool:
    return value not in (HANDLING, RECEIVING) and not OFFICIAL_CODE.fullmatch(value)
