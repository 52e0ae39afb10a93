"""Procedures: metadata and statutory rule sets that designers configure (data, not code)."""
from __future__ import annotations

from typing import Any

from engine.access import Action, Caller, require
from engine.deadlines import Procedure
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.services.design.calendars import resolved_calendar
from engine.store import status_maps
from engine.store.models import StoredProcedure
from engine.store.repository import Repository


def put_procedure(ctx: Context, caller: Caller, code: str, body: Any) -> tuple[Procedure, bool]:
    """Create or replace a procedure. Returns (procedure, created)."""
    require(caller, Action.PROCEDURE_WRITE)
    procedure = Procedure.from_dict(code, body)
    with ctx.uow() as uow:
        _check_calendars(ctx, uow.repo, caller.province, procedure)
        row = uow.repo.procedure(caller.province, code)
        created = row is None
        if row is None:
            row = StoredProcedure(province=caller.province, code=code,
                                  process_key=procedure.process_key, data={},
                                  updated_at=ctx.clock.now())
            uow.repo.add(row)
        row.process_key = procedure.process_key
        row.data = procedure.to_dict()
        row.updated_at = ctx.clock.now()
        row.updated_by = caller.id
        uow.commit()
    status_maps.forget(caller.province, code)
    return procedure, created


def get_procedure(ctx: Context, caller: Caller, code: str) -> Procedure:
    require(caller, Action.PROCEDURE_READ)
    with ctx.uow(readonly=True) as uow:
        row = uow.repo.procedure(caller.province, code)
    if row is None:
        raise NotFound(f"no procedure {code}")
    return Procedure.from_dict(row.code, row.data)


def list_procedures(ctx: Context, caller: Caller) -> list[Procedure]:
    require(caller, Action.PROCEDURE_READ)
    with ctx.uow(readonly=True) as uow:
        rows = uow.repo.procedures(caller.province)
    return [Procedure.from_dict(r.code, r.data) for r in rows]


def _check_calendars(ctx: Context, repo: Repository, province: str,
                     procedure: Procedure) -> None:
    """Every rule set's calendar must exist for the province: otherwise each intake of the
    process would fail on it later."""
    errors = []
    for i, rule in enumerate(procedure.rules):
        try:
            resolved_calendar(ctx, province, rule.calendar, repo=repo)
        except NotFound:
            errors.append({"field": f"rules[{i}].calendar",
                           "message": f"no calendar {rule.calendar!r} (create it first)"})
    if errors:
        raise InvalidInput(f"invalid procedure {procedure.code}", errors=errors)
