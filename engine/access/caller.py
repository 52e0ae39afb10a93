"""Who is asking: every use case takes a Caller and sees only its province."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("designer", "officer", "client", "auditor", "admin")


@dataclass(frozen=True)
class Caller:
    id: int
    name: str
    role: str
    province: str
    unit: str | None = None
    position: str | None = None
