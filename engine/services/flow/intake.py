"""Starting dossiers: the active version of a procedure, a gapless code, idempotent retries."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.access import Action, Caller, actor_of, require
from engine.codes import LOCAL_TZ, UNIT_PATTERN, dossier_code, local_day, lookup_secret
from engine.datasize import check_data_size
from engine.deadlines import Procedure, portal
from engine.errors import IdempotencyKeyReused, InvalidInput, NoActiveVersion, NotFound
from engine.forms import validate_form
from engine.metrics import counts
from engine.nesting import check_nesting
from engine.runtime import Instance, starts_clock_later
from engine.search import stored_id_number, stored_name, word_prefixes
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.flow import incidents, progress, submissions, tallies
from engine.services.flow.documents import issue_receipt
from engine.services.flow.instances import keep_instance
from engine.services.flow.statutory import calendar_of, start_clock
from engine.services.flow.submissions import Upload
from engine.services.org.registry import NOT_REGISTERED, registered_unit
from engine.services.views import DossierView
from engine.store.models import Dossier, max_length
from engine.store.records import new_dossier
from engine.store.uow import IntegrityError, UnitOfWork

# The channels of DOMAIN.md §6, by name; the national portal's codes are 1, 2 and 3.
CHANNELS = ("desk", "online", "post")
PORTAL_CHANNEL_CODES = {"desk": 1, "online": 2, "post": 3}
MAX_IDEMPOTENCY_KEY = max_length(Dossier.__table__.c.idempotency_key)


def start_dossier(ctx: Context, caller: Caller, *, process_key: str, applicant: dict[str, Any],
                  data: dict[str, Any], unit: str | None = None, channel: str = "online",
                  idempotency_key: str | None = None, handling_unit: str | None = None,
                  submitted_at: datetime | None = None, papers: Sequence[Upload] = ()
                  ) -> tuple[DossierView | Dossier, bool]:
    """Start a dossier and run it until it waits. Returns (view, True) for a new dossier,
    or (the first dossier, False) for a retry with the same Idempotency-Key. When the
    diagram fails on the way, nothing is stored but its incident (ProcessError).

    `submitted_at`: when the applicant submitted it online or by post, as the portal says
    (not in the future; left out: when it is received). The dossier is received (accepted)
    now. The process's start form, if any, checks the applicant and the data before a
    code number is taken, so a refused intake leaves no gap in the day's numbers.

    `papers`: the applicant's documents sent with it, each of a kind the procedure lists:
    all checked (name, size, kind, format) before anything is kept, stored, and committed
    with the dossier; one refused refuses the intake."""
    with incidents.recording(ctx):
        return _start(ctx, caller, process_key=process_key, applicant=applicant, data=data,
                      unit=unit, channel=channel, idempotency_key=idempotency_key,
                      handling_unit=handling_unit, submitted_at=submitted_at,
                      papers=list(papers))


def _start(ctx: Context, caller: Caller, *, process_key: str, applicant: dict[str, Any],
           data: dict[str, Any], unit: str | None, channel: str, idempotency_key: str | None,
           handling_unit: str | None, submitted_at: datetime | None, papers: list[Upload]
           ) -> tuple[DossierView | Dossier, bool]:
    require(caller, Action.DOSSIER_START)
    unit = unit or caller.unit
    now = ctx.clock.now()
    _check(unit, channel, idempotency_key, submitted_at, now)
    if caller.role == "officer" and unit not in caller.units:
        raise InvalidInput("an officer receives dossiers at their own units", errors=[{
            "field": "unit", "message": f"must be one of your units: "
                                        f"{', '.join(sorted(caller.units))}"}])
    check_nesting("/applicant", applicant)
    check_nesting("/data", data)
    check_data_size("/applicant", applicant, ctx.settings.max_dossier_data_bytes)
    check_data_size("/data", data, ctx.settings.max_dossier_data_bytes)
    assert unit is not None
    handling_unit = handling_unit if handling_unit != unit else None
    measured = submissions.measure_files(papers, ctx.settings.max_document_bytes,
                                         ctx.settings.max_document_files) if papers else []
    parts: list[Any] = [process_key, applicant, data, unit, channel]
    request_hash = _request_hash(*parts, *([handling_unit] if handling_unit else []),
                                 *([submitted_at.isoformat()] if submitted_at else []),
                                 *([[m.upload.kind, m.name, m.sha256] for m in measured]))
    day = now.astimezone(LOCAL_TZ).date()
    with ctx.uow(readonly=True) as uow:
        found = uow.repo.intake_lookup(caller.province, process_key, unit, caller.id,
                                       idempotency_key)
        if found["first_dossier_id"] is not None and idempotency_key:
            first = _replay(uow, caller, idempotency_key, request_hash)
            if first is not None:
                return first, False
        if found["unit_province"] != caller.province:
            raise InvalidInput(f"unit {unit} is {NOT_REGISTERED}",
                               errors=[{"field": "unit", "message": NOT_REGISTERED}])
        if handling_unit is not None:
            registered_unit(uow.repo, caller.province, handling_unit, field="handling_unit")
        definition_id = found["definition_id"]
        if definition_id is None and found["deployed"]:
            raise NoActiveVersion(
                f"process {process_key} has no active version: every version is a draft or "
                "retired", errors=[{"field": "process_key",
                                    "message": f"{process_key}: no active version"}])
        if definition_id is None:
            raise NotFound(f"no process definition {process_key}",
                           errors=[{"field": "process_key", "message": "not deployed"}])
        version = version_of(ctx, uow.repo, definition_id)
        procedure = (Procedure.from_dict(found["procedure_code"], found["procedure_data"])
                     if found["procedure_code"] is not None else None)
        rule = procedure.rule_for(day) if procedure else None
        # The receiving unit's own office hours, when it has a calendar of its own (a
        # calendar whose id is the unit's identifier); else the procedure's calendar.
        calendar_id = unit if found["unit_calendar"] is not None \
            else (rule.calendar if rule else "vn")
        cal = calendar_of(ctx, caller.province, calendar_id, repo=uow.repo)
    compiled = version.compiled
    if compiled.start_form:
        validate_form(compiled.start_form, compiled.forms, {"applicant": applicant, "data": data})
    checked = submissions.check_intake_papers(measured, procedure) if measured else []
    # Run the engine before taking the day's counter lock, so the lock is held briefly.
    instance = Instance.start(compiled.spec, compiled.subprocess_specs, ctx.cache.script_engine(),
                              {**data, "applicant": applicant}, now=now, calendar=cal,
                              as_of=day, time_budget=ctx.settings.command_time_limit)
    if instance.error:
        raise incidents.failure(instance.error, instance, province=caller.province,
                                dossier_id=None, definition_id=definition_id,
                                process_key=version.key, trigger="command", command="intake")
    name = stored_name(applicant)
    submissions.store_files(ctx, checked, f"{process_key} (being received)")
    try:
        with ctx.uow() as uow:
            yymmdd = local_day(now)
            number, dossier_id = uow.repo.next_code_and_id(unit, yymmdd)
            dossier = new_dossier(
                id=dossier_id, province=caller.province, code=dossier_code(unit, yymmdd, number),
                unit=unit, definition_id=definition_id, process_key=version.key,
                status="in_process", channel=channel, applicant=applicant,
                search_name=name, search_id=stored_id_number(applicant),
                name_prefixes=word_prefixes(name),
                state={},
                submitted_at=submitted_at or now, received_at=now, updated_at=now,
                client_id=caller.id,
                idempotency_key=idempotency_key, request_hash=request_hash,
                calendar_id=calendar_id, handling_unit=handling_unit,
                lookup_secret=lookup_secret())
            received = {"process_key": version.key, "version": version.number,
                        "channel": channel, "applicant": applicant, "data": data,
                        "submitted_at": (submitted_at or now).isoformat(),
                        "received_at": now.isoformat()}
            if handling_unit:
                received["handling_unit"] = handling_unit
            actor = actor_of(caller, unit if caller.role == "officer" else None)
            progress.record(uow, dossier, "dossier.received", at=now, actor_id=caller.id,
                            payload=received, actor=actor)
            clock_later = procedure is not None and starts_clock_later(
                compiled.spec, compiled.subprocess_specs)
            dossier.portal_status = portal.on_receipt(
                procedure.status_mapping if procedure else {}, channel, accepted=not clock_later)
            if clock_later and procedure is not None:
                dossier.procedure_code = procedure.code  # started when the process says
            else:
                start_clock(dossier, procedure, cal,
                            lambda kind, **kw: progress.record(uow, dossier, kind, at=now,
                                                               actor=actor, **kw))
            still_open = progress.save(uow, dossier, instance, at=now, actor_id=caller.id,
                                       max_data_bytes=ctx.settings.max_dossier_data_bytes,
                                       received=True, actor=actor)
            tallies.received(uow, dossier, now)
            uow.repo.insert_record(dossier)
            if not clock_later and dossier.status != "error":
                # Received now: form 01 with the appointment (else issued when the clock starts).
                issue_receipt(uow, dossier, at=now, actor_id=caller.id, received_by=caller.name,
                              procedure=procedure, process_name=compiled.name, data=data,
                              unit_name=found["unit_name"], agency=found["agency_name"],
                              submitted_at=submitted_at)
            if checked:
                submissions.record_documents(uow, dossier, checked, caller, now, actor)
                # The row was written before its documents could refer to it: their events
                # moved its history head since.
                uow.repo.save_record(dossier)
            uow.commit()
            counts.dossier_received(channel)
            data = keep_instance(ctx, dossier, instance)
            return DossierView(dossier, version.number, still_open, data), True
    except IntegrityError:
        # Another request with the same idempotency key committed first: return its dossier.
        if idempotency_key:
            with ctx.uow(readonly=True) as uow:
                first = _replay(uow, caller, idempotency_key, request_hash)
            if first is not None:
                return first, False
        raise


def _replay(uow: UnitOfWork, caller: Caller, key: str, request_hash: str) -> Dossier | None:
    """The dossier first started with this key (None if there is none); a different
    request under the same key is refused."""
    first = uow.repo.dossier_by_idempotency(caller.id, key)
    if first is not None and first.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request",
            errors=[{"field": "Idempotency-Key", "message": f"already used by {first.code}"}])
    return first


def _check(unit: str | None, channel: str, idempotency_key: str | None,
           submitted_at: datetime | None, now: datetime) -> None:
    errors = []
    if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        errors.append({"field": "Idempotency-Key",
                       "message": f"at most {MAX_IDEMPOTENCY_KEY} characters"})
    if not unit:
        errors.append({"field": "unit", "message": "required: the receiving unit's identifier"})
    elif not UNIT_PATTERN.match(unit):
        errors.append({"field": "unit", "message": "letters, digits and dots only"})
    if channel not in CHANNELS:
        errors.append({"field": "channel", "message": f"one of {', '.join(CHANNELS)}"})
    if submitted_at is not None:
        if channel == "desk":
            errors.append({"field": "submitted_at", "message": "a dossier brought to the desk "
                                                               "is submitted when received"})
        elif submitted_at.tzinfo is None:
            errors.append({"field": "submitted_at", "message": "an instant with its offset"})
        elif submitted_at > now:
            errors.append({"field": "submitted_at", "message": "must not be in the future"})
    if errors:
        raise InvalidInput("invalid dossier", errors=errors)


def _request_hash(*parts: Any) -> str:
    body = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
