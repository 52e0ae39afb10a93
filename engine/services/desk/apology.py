"""Apology and new appointment (form 04 of Circular 03/2025) for a dossier that will be late:
recorded in the history and issued as a notice addressed to the applicant (who downloads it
from the public lookup as from the desk)."""
from __future__ import annotations

from datetime import datetime

from engine.access import Action, Caller, actor_of, require
from engine.access.policy import apology_positions_allow
from engine.calendar import YEARS, in_years
from engine.deadlines import Procedure
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import progress
from engine.services.flow.documents import issue_notice, procedure_name
from engine.services.flow.statutory import received_day
from engine.store.models import Dossier
from engine.store.records import DossierRow
from engine.store.repository import Repository


class ApologyNotAllowed(InvalidInput):
    code = "apology-not-allowed"


def apologies_allowed(repo: Repository, caller: Caller, dossier: DossierRow) -> int:
    """How many times the dossier's appointment may be moved, by its procedure's rules in
    force on the day it was received (1 without them). Forbidden for a caller whose
    position the procedure does not let apologise."""
    stored = repo.procedure(caller.province, dossier.procedure_code or "")
    if stored is None:
        return 1
    procedure = Procedure.from_dict(stored.code, stored.data)
    if not apology_positions_allow(caller, dossier.unit, procedure.apology_positions):
        raise Forbidden(
            f"procedure {procedure.code} lets only the positions "
            f"{', '.join(procedure.apology_positions)} apologise; you are "
            f"{', '.join(sorted(caller.positions_at(dossier.unit)))}")
    rule = procedure.rule_for(received_day(dossier))
    return rule.apologies_allowed if rule else 1


def apologize(ctx: Context, caller: Caller, code: str, *, reason: str,
              new_appointment: datetime) -> Dossier:
    """Record the apology and the new appointment; the statutory due instant is kept as is
    (statistics are judged against it)."""
    require(caller, Action.DOSSIER_APOLOGY)
    errors = []
    if not reason or not reason.strip():
        errors.append({"field": "reason", "message": "required"})
    if new_appointment.tzinfo is None:
        errors.append({"field": "new_appointment", "message": "needs a UTC offset"})
    elif not in_years(new_appointment):
        errors.append({"field": "new_appointment", "message": YEARS})
    if errors:
        raise InvalidInput("invalid apology", errors=errors)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = uow.repo.dossier(caller.province, code, lock=True)
        if dossier is None:
            raise NotFound(f"no dossier {code}")
        # Form 04 is the receiving unit's: an officer of that unit, not one of a unit the
        # dossier merely passed through.
        if dossier.unit not in caller.units:
            raise NotFound(f"no dossier {code}")
        if dossier.status != "in_process":
            raise ApologyNotAllowed(f"dossier {code} is {dossier.status}")
        if dossier.due_at is None:
            raise ApologyNotAllowed(f"dossier {code} has no statutory due instant")
        allowed = apologies_allowed(uow.repo, caller, dossier)
        if (dossier.apology_count or 0) >= allowed:
            raise ApologyNotAllowed(
                f"the appointment of {code} was already moved {dossier.apology_count} time(s); "
                f"the rules allow {allowed}",
                errors=[{"field": "new_appointment", "message": "no further new appointment"}])
        floor = max(now, dossier.new_appointment_at or dossier.due_at)
        if new_appointment <= floor:
            raise InvalidInput("the new appointment must be later than the current one",
                               errors=[{"field": "new_appointment",
                                        "message": f"must be after {floor.isoformat()}"}])
        dossier.apology_count = (dossier.apology_count or 0) + 1
        previous = dossier.new_appointment_at or dossier.due_at
        dossier.new_appointment_at = new_appointment
        dossier.updated_at = now
        actor = actor_of(caller, dossier.unit)
        progress.record(uow, dossier, "dossier.apology", at=now, actor_id=caller.id, payload={
            "form": "04", "reason": reason.strip(), "by": caller.name,
            "previous_appointment": previous.isoformat(),
            "new_appointment": new_appointment.isoformat(),
            "statutory_due_at": dossier.due_at.isoformat()}, actor=actor)
        version = version_of(ctx, uow.repo, dossier.definition_id)
        notice = issue_notice(uow, dossier, "apology", at=now, actor_id=caller.id,
                              signed_by=caller.name,
                              procedure=procedure_name(uow, dossier, version.compiled.name),
                              reason=reason.strip(), appointment=previous.isoformat(),
                              new_appointment=new_appointment.isoformat())
        progress.record(uow, dossier, "document.issued", at=now, actor_id=caller.id,
                        payload={"kind": notice.kind, "form": notice.form,
                                 "file_name": notice.file_name}, actor=actor)
        uow.commit()
        return dossier
