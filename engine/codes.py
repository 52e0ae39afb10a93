"""Dossier codes: `<receiving unit>-<YYMMDD>-<NNNN>` (DOMAIN.md §5), by the local day."""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT_PATTERN = re.compile(r"^[A-Za-z0-9.]{1,60}$")


def local_day(instant: datetime) -> str:
    """The YYMMDD of `instant` in Vietnam's time zone."""
    return instant.astimezone(LOCAL_TZ).strftime("%y%m%d")


# No 0/O or 1/I/L: the secret is read off paper and typed.
_SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def lookup_secret() -> str:
    """A dossier's lookup secret: 8 characters (about 40 bits), printed on its receipt."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(8))


def dossier_code(unit: str, day: str, number: int) -> str:
    return f"{unit}-{day}-{number:04d}"
