"""Incidents as the store keeps them: found again when the same failure repeats, listed
for the province's designers, resolved."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.store.hot_path import HotPath
from engine.store.models import Dossier, ProcessDefinition
from engine.store.models_incidents import Incident

# What drives a dossier without anyone's command: while such an incident is open the
# dossier is not woken.
BLOCKING = ("timer", "stored")

_WITH_CODE_AND_VERSION = (
    select(Incident, Dossier.code, ProcessDefinition.version)
    .outerjoin(Dossier, Dossier.id == Incident.dossier_id)
    .outerjoin(ProcessDefinition, ProcessDefinition.id == Incident.definition_id))


class IncidentRows(HotPath):
    def same_open_incident(self, draft: dict[str, Any]) -> Incident | None:
        """The open incident of the same failure, if there is one: of the same dossier (or
        version, for an intake), at the same element, by the same trigger and command. The
        error's text is not compared: it may quote the data, which differs between tries."""
        keys = ("definition_id", "element_id", "trigger", "command", "task_id", "message")
        q = select(Incident).where(Incident.status == "open",
                                   Incident.province == draft["province"])
        q = q.where(Incident.dossier_id == draft["dossier_id"]) \
            if draft.get("dossier_id") is not None else q.where(Incident.dossier_id.is_(None))
        for key in keys:
            column = getattr(Incident, key)
            value = draft.get(key)
            q = q.where(column.is_(None) if value is None else column == value)
        return self.session.scalar(q.order_by(Incident.id).limit(1))

    def incidents(self, province: str, *, status: str | None, process_key: str | None,
                  dossier_code: str | None, limit: int, offset: int
                  ) -> tuple[list[tuple[Incident, str | None, int | None]], int]:
        """A page of the province's incidents, newest first, each with its dossier's code
        (None for an intake) and its version's number, and how many match."""
        q = _WITH_CODE_AND_VERSION.where(Incident.province == province)
        if status:
            q = q.where(Incident.status == status)
        if process_key:
            q = q.where(Incident.process_key == process_key)
        if dossier_code:
            q = q.where(Dossier.code == dossier_code)
        total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = self.session.execute(q.order_by(Incident.id.desc())
                                    .limit(limit).offset(offset)).all()
        return [(i, code, version) for i, code, version in rows], int(total)

    def incident(self, province: str, incident_id: int
                 ) -> tuple[Incident, str | None, int | None] | None:
        row = self.session.execute(_WITH_CODE_AND_VERSION.where(
            Incident.province == province, Incident.id == incident_id)).first()
        return (row[0], row[1], row[2]) if row is not None else None

    def open_incidents_of(self, dossier_id: int) -> Sequence[Incident]:
        return self.session.scalars(select(Incident).where(
            Incident.dossier_id == dossier_id, Incident.status == "open")
            .order_by(Incident.id)).all()

    def resolve_incidents(self, incidents: Sequence[Incident], *, at: datetime,
                          by: int | None, resolution: str) -> None:
        for incident in incidents:
            incident.status, incident.resolved_at = "resolved", at
            incident.resolved_by, incident.resolution = by, resolution
