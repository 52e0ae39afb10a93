"""Designers (and administrators) of a province repair what a diagram stopped: they list its
incidents, set the data a failed step needs, with a recorded reason, and retry.

A retry re-runs what failed when the platform itself ran it: a timer's incident (or a
dossier stopped on an error before incidents were recorded) has its elements that failed run
again and its due timers fired now, and is resolved when that succeeds (else it is refused
like the timer was, and counted). A failed command of an officer or client is not sent again
in their name: its retry says who must send it again, and the incident is resolved when they
do and it succeeds; a command that can no longer be sent (its task closed meanwhile, its
dossier ended, or an intake, which is sent again as a new dossier) is closed by the retry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine import jsoncodec
from engine.access import Action, Caller, actor_of, require
from engine.datasize import check_data_size, check_left
from engine.errors import IncidentAwaitsCommand, IncidentResolved, InvalidInput, NotFound
from engine.nesting import check_nesting
from engine.runtime.repair import patch_data as patch_instance
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import progress
from engine.services.flow.dossiers import find_dossier, retry_wake
from engine.services.flow.instances import load_instance
from engine.store.incident_rows import BLOCKING
from engine.store.models import Dossier
from engine.store.models_incidents import Incident

MAX_REASON = 2000
STATUSES = ("open", "resolved")


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    dossier_code: str | None
    version: int | None


def list_incidents(ctx: Context, caller: Caller, *, status: str | None = None,
                   process_key: str | None = None, dossier_code: str | None = None,
                   limit: int = 50, offset: int = 0) -> tuple[list[IncidentView], int]:
    """The province's incidents, newest first."""
    require(caller, Action.INCIDENT_READ)
    with ctx.uow(readonly=True) as uow:
        rows, total = uow.repo.incidents(caller.province, status=status,
                                         process_key=process_key, dossier_code=dossier_code,
                                         limit=limit, offset=offset)
        return [IncidentView(i, code, version) for i, code, version in rows], total


def get_incident(ctx: Context, caller: Caller, incident_id: int) -> IncidentView:
    require(caller, Action.INCIDENT_READ)
    if not 0 < incident_id < 2**31:  # beyond the column's range: no such incident
        raise NotFound(f"no incident {incident_id}")
    with ctx.uow(readonly=True) as uow:
        found = uow.repo.incident(caller.province, incident_id)
    if found is None:
        raise NotFound(f"no incident {incident_id}")
    return IncidentView(*found)


def retry_incident(ctx: Context, caller: Caller, incident_id: int) -> IncidentView:
    """Retry what failed (see the module's doc); the incident as it then stands."""
    require(caller, Action.INCIDENT_RETRY)
    view = get_incident(ctx, caller, incident_id)
    incident = view.incident
    if incident.status != "open":
        raise IncidentResolved(f"incident {incident_id} is {incident.status} already")
    if incident.trigger in BLOCKING and incident.dossier_id is not None:
        retry_wake(ctx, incident, caller.id)
    else:
        _close_or_wait(ctx, caller, incident, view.dossier_code)
    return get_incident(ctx, caller, incident_id)


def _close_or_wait(ctx: Context, caller: Caller, incident: Incident, code: str | None) -> None:
    """A failed command: refused while it can be sent again, else closed."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = (uow.repo.dossier_by_id(incident.dossier_id, lock=True)
                   if incident.dossier_id is not None else None)
        if dossier is not None and dossier.status == "in_process":
            task = (uow.repo.task(caller.province, incident.task_id)
                    if incident.task_id is not None else None)
            if task is not None and task.status == "open":
                raise IncidentAwaitsCommand(
                    f"incident {incident.id} is of the completion of task {task.id} "
                    f"({task.name or task.element_id}) of dossier {code}: it is not completed "
                    "in an officer's name. Repair the data it needs (PATCH "
                    f"/dossiers/{code}/data), then an officer of {task.unit} completes it "
                    "again, which resolves the incident")
            if incident.command in ("message", "supplement"):
                raise IncidentAwaitsCommand(
                    f"incident {incident.id} is of the {incident.command} "
                    f"'{incident.message}' delivered to dossier {code}: it is not delivered "
                    "in the sender's name. Repair the data it needs, then the sender delivers "
                    "it again, which resolves the incident")
        stored = uow.session.get(Incident, incident.id)
        assert stored is not None
        uow.repo.resolve_incidents([stored], at=now, by=caller.id, resolution="closed")
        if dossier is not None and dossier.incident_id == stored.id:
            left = [i for i in uow.repo.open_incidents_of(dossier.id) if i.id != stored.id]
            dossier.incident_id = left[0].id if left else None
        uow.commit()


@dataclass(frozen=True)
class DataRepair:
    dossier: Dossier
    changed: dict[str, dict[str, Any]]


def patch_data(ctx: Context, caller: Caller, code: str, data: dict[str, Any],
               reason: str) -> DataRepair:
    """Set keys of a running dossier's data, where its next steps read them; recorded in
    its history with the reason and each changed key's value before and after. Keys set to
    the value they have change nothing and are not recorded."""
    require(caller, Action.DOSSIER_REPAIR)
    problems = []
    if not data:
        problems.append({"field": "data", "message": "give at least one key to set"})
    if not reason.strip():
        problems.append({"field": "reason", "message": "required: why the data is changed"})
    elif len(reason) > MAX_REASON:
        problems.append({"field": "reason", "message": f"at most {MAX_REASON} characters"})
    if problems:
        raise InvalidInput("the data cannot be changed so", errors=problems)
    check_nesting("/data", data)
    limit = ctx.settings.max_dossier_data_bytes
    check_data_size("/data", data, limit)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_REPAIR, lock=True)
        if dossier.status not in ("in_process", "error"):
            raise InvalidInput(f"dossier {code} is {dossier.status}: its data is kept as it "
                               "ended", errors=[{"field": "code", "message": dossier.status}])
        version = version_of(ctx, uow.repo, dossier.definition_id)
        instance = load_instance(ctx, dossier, version.compiled, now, None)
        changed = patch_instance(instance, data)
        if changed:
            state = jsoncodec.dumps_bytes(instance.dump())
            check_left(state, lambda: instance.data, limit)
            dossier.state = jsoncodec.written(state)
            dossier.updated_at = now
            # A value a script left may have no JSON form (a date): recorded as its text.
            recorded = json.loads(json.dumps(changed, ensure_ascii=False, default=str))
            progress.record(uow, dossier, "dossier.data_patched", at=now, actor_id=caller.id,
                            payload={"reason": reason.strip(), "by": caller.name,
                                     "role": caller.role, "changes": recorded},
                            actor=actor_of(caller))
        uow.commit()
        return DataRepair(dossier, changed)
