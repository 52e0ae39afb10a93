"""The process control sheet (form 06) of a dossier, made on demand from its inbox rows: one
step per task, handed over from the unit of the task before it (reception first)."""
from __future__ import annotations

import csv
import io

from engine.access import Action, Caller, actor_in
from engine.codes import LOCAL_TZ
from engine.documents.control_sheet import ControlSheetFields, Step, render_control_sheet
from engine.services.context import Context
from engine.services.flow.documents import procedure_name
from engine.services.flow.dossiers import find_dossier
from engine.store.models import Task


def control_sheet(ctx: Context, caller: Caller, code: str) -> ControlSheetFields:
    """What the sheet says, for whoever may read the dossier's history."""
    with ctx.uow(readonly=True) as uow:
        dossier = find_dossier(uow, caller, code, Action.DOSSIER_HISTORY)
        tasks = list(uow.repo.tasks_of(dossier.id))
        # Who completed each step, as they were then (the event names them); the names of
        # today only for steps completed before events named their actors.
        done_by = {e.task_id: actor_in(e.payload, e.actor_id) or {}
                   for e in uow.repo.history(dossier.id) if e.kind == "task.completed"}
        people = uow.repo.principal_names(
            [t.completed_by for t in tasks if not done_by.get(t.id, {}).get("name")])
        units = {u: uow.repo.unit_names(u) for u in {dossier.unit, *(t.unit for t in tasks)}
                 if u}
        procedure = procedure_name(uow, dossier, dossier.process_key)

    def unit_name(code: str | None) -> str:
        return (units.get(code or "", (None, None))[0] or code or "")

    receiving = unit_name(dossier.unit)
    applicant = dossier.applicant if isinstance(dossier.applicant, dict) else {}
    steps, before = [], f"Bộ phận tiếp nhận và trả kết quả — {receiving}"
    for task in tasks:
        here = unit_name(task.unit) + (f" ({task.position})" if task.position else "")
        steps.append(Step(
            name=task.name or task.element_id, handed_by=before, received_by=here,
            handed_at=task.created_at.isoformat(),
            due_at=task.due_at.isoformat() if task.due_at else None,
            done_at=task.completed_at.isoformat() if task.completed_at else None,
            result=_result(task),
            done_by=str(done_by.get(task.id, {}).get("name")
                        or people.get(task.completed_by or 0, ""))))
        before = here
    agency = units.get(dossier.unit, (None, None))[1] or ""
    return ControlSheetFields(
        dossier_code=dossier.code, unit_name=receiving, agency=agency,
        applicant_name=str(applicant.get("name") or ""), procedure=procedure,
        received_at=dossier.received_at.isoformat(), issued_at=ctx.clock.now().isoformat(),
        due_at=dossier.due_at.isoformat() if dossier.due_at else None, steps=steps)


def as_pdf(fields: ControlSheetFields) -> tuple[str, bytes]:
    return f"phieu-kiem-soat-{fields.dossier_code}.pdf", render_control_sheet(fields)


def as_csv(fields: ControlSheetFields) -> tuple[str, bytes]:
    """One row per step, UTF-8 with a byte-order mark (spreadsheets read the diacritics)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "name", "handed_by", "received_by", "handed_at", "due_at",
                     "done_at", "result", "done_by"])
    for n, s in enumerate(fields.steps, 1):
        writer.writerow([n, s.name, s.handed_by, s.received_by, s.handed_at, s.due_at or "",
                         s.done_at or "", s.result, s.done_by])
    return f"phieu-kiem-soat-{fields.dossier_code}.csv", ("\ufeff" + out.getvalue()).encode()


def _result(task: Task) -> str:
    """Before, on or after the step's due time (a step without one is on time)."""
    if task.status == "open":
        return "open"
    if task.status != "completed" or task.completed_at is None:
        return "cancelled"
    if task.due_at is None:
        return "on_time"
    if task.completed_at > task.due_at:
        return "late"
    done, due = (t.astimezone(LOCAL_TZ).date() for t in (task.completed_at, task.due_at))
    return "early" if done < due else "on_time"
