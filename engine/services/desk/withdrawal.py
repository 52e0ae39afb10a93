"""Withdrawal of a dossier by its applicant, or stop of its processing (form 05): the
process is cancelled where it stands, its open tasks are closed, the statutory clock stops,
and the dossier ends as `withdrawn` or `stopped`.

The workflow's state is kept exactly as it was when the dossier ended (an auditor replays
it); every command that would move it (completion, message, timer) finds it ended.
"""
from __future__ import annotations

from engine.access import Action, Caller, actor_at, position_for, require
from engine.access.policy import may_end_dossier
from engine.deadlines import portal
from engine.errors import DossierEnded, InvalidInput
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import events, progress, tallies
from engine.services.flow.documents import issue_notice, procedure_name
from engine.services.flow.dossiers import find_dossier
from engine.store.models import Dossier

ENDINGS = ("withdrawn", "stopped")
MAX_REASON = 2000


def end_dossier(ctx: Context, caller: Caller, code: str, *, kind: str, reason: str) -> Dossier:
    require(caller, Action.DOSSIER_END)
    problems = []
    if kind not in ENDINGS:
        problems.append({"field": "kind", "message": f"one of {', '.join(ENDINGS)}"})
    if not reason.strip():
        problems.append({"field": "reason", "message": "required: the applicant's request or "
                                                       "the grounds for stopping"})
    elif len(reason) > MAX_REASON:
        problems.append({"field": "reason", "message": f"at most {MAX_REASON} characters"})
    if problems:
        raise InvalidInput("the dossier cannot be ended so", errors=problems)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_END, lock=True)
        may_end_dossier(caller, dossier, kind)
        if dossier.status not in ("in_process", "error"):
            raise DossierEnded(f"dossier {code} is already {dossier.status}")
        open_tasks = list(uow.repo.open_tasks_of(dossier.id))
        uow.repo.close_tasks([t.id for t in open_tasks], "cancelled", now, caller.id)
        payload = {"form": "05", "reason": reason.strip(), "by": caller.name,
                   "role": caller.role, "previous_status": dossier.status,
                   "cancelled_tasks": [t.element_id for t in open_tasks],
                   "due_at": dossier.due_at.isoformat() if dossier.due_at else None}
        if caller.role == "officer":
            positions = sorted({p for t in open_tasks if (p := position_for(caller, t))}) \
                or sorted(caller.positions_at(dossier.unit))
            payload["position"] = positions[0] if positions else None
        # The clock stops: no more crossings, timers or wake-ups; a pause ends with it.
        dossier.status, dossier.finished_at, dossier.updated_at = kind, now, now
        dossier.next_wakeup = None
        dossier.paused_since = None
        previous_portal = dossier.portal_status
        dossier.portal_status = portal.on_state(
            uow.repo.status_mapping(dossier.province, dossier.procedure_code), kind)
        if dossier.portal_status != previous_portal:
            events.portal_changed(uow, dossier, previous_portal, at=now)
        actor = actor_at(caller, [*(t.unit for t in open_tasks), dossier.unit])
        tallies.ended(uow, dossier, kind, now)
        progress.record(uow, dossier, f"dossier.{kind}", at=now, actor_id=caller.id,
                        payload=payload, actor=actor)
        version = version_of(ctx, uow.repo, dossier.definition_id)
        notice = issue_notice(uow, dossier, "withdrawal" if kind == "withdrawn" else "stop",
                              at=now, actor_id=caller.id, signed_by=caller.name,
                              procedure=procedure_name(uow, dossier, version.compiled.name),
                              reason=reason.strip())
        progress.record(uow, dossier, "document.issued", at=now, actor_id=caller.id,
                        payload={"kind": notice.kind, "form": notice.form,
                                 "file_name": notice.file_name}, actor=actor)
        uow.commit()
        return dossier
