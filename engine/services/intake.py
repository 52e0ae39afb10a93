"""Starting dossiers: the latest version of a procedure, a gapless code, idempotent retries."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from engine.codes import LOCAL_TZ, UNIT_PATTERN, dossier_code, local_day
from engine.deadlines import Procedure
from engine.errors import InvalidInput, NotFound
from engine.runtime import Instance
from engine.services import progress
from engine.services.auth import Caller
from engine.services.catalog import compiled_for
from engine.services.context import Context
from engine.services.statutory import calendar_of, start_clock
from engine.store.models import Dossier
from engine.store.uow import IntegrityError

CHANNELS = ("desk", "online", "post")


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency-key-reused"


def start_dossier(ctx: Context, caller: Caller, *, process_key: str, applicant: dict[str, Any],
                  data: dict[str, Any], unit: str | None = None, channel: str = "online",
                  idempotency_key: str | None = None) -> tuple[Dossier, bool]:
    """Start a dossier and run it until it waits. Returns (dossier, created)."""
    caller.require("client", "officer", "admin")
    unit = unit or caller.unit
    _check(unit, channel)
    assert unit is not None
    request_hash = _request_hash(process_key, applicant, data, unit, channel)
    if idempotency_key:
        first = _replay(ctx, caller, idempotency_key, request_hash)
        if first is not None:
            return first, False

    with ctx.uow() as uow:
        definition = uow.repo.latest_definition(caller.province, process_key)
        stored = uow.repo.procedure_for_process(caller.province, process_key)
    if definition is None:
        raise NotFound(f"no process definition {process_key}",
                       errors=[{"field": "process_key", "message": "not deployed"}])
    procedure = Procedure.from_dict(stored.code, stored.data) if stored else None
    now = ctx.clock.now()
    day = now.astimezone(LOCAL_TZ).date()
    rule = procedure.rule_for(day) if procedure else None
    calendar_id = rule.calendar if rule else "vn"
    cal = calendar_of(ctx, caller.province, calendar_id)
    compiled = compiled_for(ctx, definition)
    # Run the engine before taking the day's counter lock, so the lock is held briefly.
    instance = Instance.start(compiled.spec, compiled.subprocess_specs, ctx.cache.script_engine(),
                              {**data, "applicant": applicant}, now=now, calendar=cal,
                              as_of=day)
    try:
        with ctx.uow() as uow:
            day = local_day(now)
            code = dossier_code(unit, day, uow.repo.next_code_number(unit, day))
            dossier = Dossier(
                province=caller.province, code=code, unit=unit, definition_id=definition.id,
                process_key=definition.key, status="in_process", channel=channel,
                applicant=applicant, state={}, received_at=now, updated_at=now,
                client_id=caller.id, idempotency_key=idempotency_key, request_hash=request_hash,
                history_seq=0, history_head="", calendar_id=calendar_id, paused_hours=0.0,
                pause_count=0, apology_count=0)
            uow.repo.add(dossier)
            uow.repo.flush()
            progress.record(uow, dossier, "dossier.received", at=now, actor_id=caller.id,
                            payload={"process_key": definition.key,
                                     "version": definition.version, "channel": channel,
                                     "applicant": applicant, "data": data})
            start_clock(dossier, procedure, cal,
                        lambda kind, **kw: progress.record(uow, dossier, kind, at=now, **kw))
            progress.save(uow, dossier, instance, at=now, actor_id=caller.id)
            uow.commit()
            return dossier, True
    except IntegrityError:
        # Another request with the same idempotency key committed first: return its dossier.
        if idempotency_key:
            first = _replay(ctx, caller, idempotency_key, request_hash)
            if first is not None:
                return first, False
        raise


def _replay(ctx: Context, caller: Caller, key: str, request_hash: str) -> Dossier | None:
    with ctx.uow() as uow:
        first = uow.repo.dossier_by_idempotency(caller.id, key)
    if first is not None and first.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request",
            errors=[{"field": "Idempotency-Key", "message": f"already used by {first.code}"}])
    return first


def _check(unit: str | None, channel: str) -> None:
    errors = []
    if not unit:
        errors.append({"field": "unit", "message": "required: the receiving unit's identifier"})
    elif not UNIT_PATTERN.match(unit):
        errors.append({"field": "unit", "message": "letters, digits and dots only"})
    if channel not in CHANNELS:
        errors.append({"field": "channel", "message": f"one of {', '.join(CHANNELS)}"})
    if errors:
        raise InvalidInput("invalid dossier", errors=errors)


def _request_hash(*parts: Any) -> str:
    body = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
