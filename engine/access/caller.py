"""Who is asking: every use case takes a Caller and sees only its province."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("designer", "officer", "client", "auditor", "admin")


@dataclass(frozen=True)
class Caller:
    """`unit` and `position` are the principal's own (a client's unit is where it starts
    dossiers by default); `extra` holds further (unit, position) memberships, such as a
    department's officer seconded to the provincial centre's reception desk."""

    id: int
    name: str
    role: str
    province: str
    unit: str | None = None
    position: str | None = None
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def memberships(self) -> tuple[tuple[str, str], ...]:
        """Every (unit, position) the principal holds, both set."""
        own = ((self.unit, self.position),) if self.unit and self.position else ()
        return own + tuple(m for m in self.extra if m not in own)

    @property
    def units(self) -> frozenset[str]:
        """The units of the memberships."""
        return frozenset(unit for unit, _ in self.memberships)

    def positions_at(self, unit: str) -> frozenset[str]:
        return frozenset(p for u, p in self.memberships if u == unit)
