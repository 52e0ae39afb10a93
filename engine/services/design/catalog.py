"""Deploying process versions: validate, try the scenarios, store once, never re-version
identical content."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from engine.access import Action, Caller, require
from engine.bpmn import CompiledProcess
from engine.calendar import NATIONAL_ID
from engine.codes import LOCAL_TZ
from engine.deadlines import Procedure
from engine.errors import InvalidInput, NotFound, ScenariosFailed
from engine.lifecycle.scenario_format import parse_scenarios
from engine.lifecycle.scenarios import Budget, ScenarioResult, run_scenarios
from engine.services.catalog_cache import Version, compile_process
from engine.services.context import Context
from engine.services.design import versions
from engine.services.design.calendars import resolved_calendar
from engine.store.models import ProcessDefinition
from engine.store.repository import Repository
from engine.store.uow import IntegrityError

# Versions are numbered from 1 in a 32-bit column: a number outside that names none.
MAX_VERSION = versions.MAX_VERSION


def validate(ctx: Context, bpmn: bytes, forms: dict[str, bytes],
             filename: str = "process.bpmn") -> CompiledProcess:
    """Every check of a deployment, storing nothing. Raises BpmnInvalid."""
    return compile_process(bpmn, dict(forms), ctx.settings.max_upload_bytes, filename)


def check(ctx: Context, caller: Caller, bpmn: bytes, forms: Mapping[str, bytes],
          filename: str = "process.bpmn", scenarios: bytes | None = None
          ) -> tuple[CompiledProcess, list[ScenarioResult]]:
    """`validate` for a designer, and the scenarios run on the diagram: storing nothing."""
    require(caller, Action.DEFINITION_DEPLOY)
    compiled = validate(ctx, bpmn, dict(forms), filename)
    return compiled, try_scenarios(ctx, caller, compiled, scenarios)


def try_scenarios(ctx: Context, caller: Caller, compiled: CompiledProcess,
                  scenarios: bytes | None) -> list[ScenarioResult]:
    """Run the uploaded scenarios on the candidate diagram, in memory, on the province's
    statutory calendar from now (none uploaded: none run)."""
    if scenarios is None:
        return []
    parsed = parse_scenarios(scenarios)
    calendar = _statutory_calendar(ctx, caller.province, compiled.key)
    budget = Budget(ctx.settings.scenario_step_limit, ctx.settings.scenarios_step_limit,
                    ctx.settings.command_time_limit, ctx.settings.scenarios_time_limit)
    return run_scenarios(compiled, parsed, script_engine=ctx.cache.script_engine(),
                         calendar=calendar, start=ctx.clock.now(), budget=budget)


def _statutory_calendar(ctx: Context, province: str, process_key: str) -> Any:
    """The calendar a dossier received now would count on, as intake chooses it: that of the
    rule set in force of the procedure this process runs, else the national one."""
    today = ctx.clock.now().astimezone(LOCAL_TZ).date()
    with ctx.uow(readonly=True) as uow:
        rows = [p for p in uow.repo.procedures(province) if p.process_key == process_key]
        calendar_id = NATIONAL_ID
        if rows:
            row = min(rows, key=lambda p: p.id)
            rule = Procedure.from_dict(row.code, row.data).rule_for(today)
            calendar_id = rule.calendar if rule else NATIONAL_ID
        try:
            return resolved_calendar(ctx, province, calendar_id, repo=uow.repo)
        except NotFound:
            return resolved_calendar(ctx, province, NATIONAL_ID, repo=uow.repo)


def deploy(ctx: Context, caller: Caller, bpmn: bytes, forms: dict[str, bytes],
           filename: str = "process.bpmn", *, scenarios: bytes | None = None,
           force: bool = False, activate: bool | None = None) -> versions.VersionView:
    """Store a new version of the process key, or return the version with this content.

    Uploaded scenarios run first; if one fails nothing is stored (ScenariosFailed) unless
    `force`. A new version becomes the active one unless `activate` is False (then a draft);
    a version with the same content keeps its state unless `activate` is True.
    """
    require(caller, Action.DEFINITION_DEPLOY)
    compiled = validate(ctx, bpmn, forms, filename)
    results = try_scenarios(ctx, caller, compiled, scenarios)
    failed = [r for r in results if not r.passed]
    if failed and not force:
        raise ScenariosFailed(
            f"{len(failed)} of {len(results)} scenarios did not run as they expect; nothing "
            "was deployed (force=true deploys anyway)",
            errors=[{"field": "scenarios", "scenario": r.name,
                     "message": f"{r.name}: {(r.difference or {}).get('message')}",
                     "difference": r.difference, "path": r.path} for r in failed])
    answered = [r.as_dict() for r in results] if scenarios is not None else None
    xml = compiled.normalized_xml.decode("utf-8")
    content_hash = _content_hash(xml, compiled.forms)
    for _attempt in range(3):
        with ctx.uow() as uow:
            now = ctx.clock.now()
            uow.repo.lock_versions(caller.province, compiled.key)
            same = uow.repo.definition_by_hash(caller.province, compiled.key, content_hash)
            try:
                if same is not None:
                    if activate and same.status != versions.ACTIVE:
                        versions.make_active(uow, same, at=now, actor_id=caller.id)
                    answer = versions.view(uow.repo, same)
                    uow.commit()
                    return replace(answer, scenarios=answered)
                latest = uow.repo.latest_definition(caller.province, compiled.key)
                definition = ProcessDefinition(
                    province=caller.province, key=compiled.key, name=compiled.name,
                    version=(latest.version + 1) if latest else 1, content_hash=content_hash,
                    bpmn_xml=xml, forms=compiled.forms, deployed_at=now,
                    deployed_by=caller.id, status=versions.DRAFT)
                if activate is False:
                    uow.repo.add(definition)
                    uow.repo.flush()
                    versions.record(uow, definition, versions.DRAFT, at=now,
                                    actor_id=caller.id, reason="deployed")
                else:
                    versions.make_active(uow, definition, at=now, actor_id=caller.id,
                                         deployed=True)
                answer = versions.view(uow.repo, definition)
                uow.commit()
            except IntegrityError:
                continue  # a concurrent deploy took this number, or activated another
            return replace(answer, created=True, scenarios=answered)
    raise InvalidInput("concurrent deployments of this process; retry")


def definition(ctx: Context, caller: Caller, key: str, version: int | None = None
               ) -> ProcessDefinition:
    require(caller, Action.DEFINITION_READ)
    if version is not None and not 1 <= version <= MAX_VERSION:
        raise NotFound(f"no process definition {key} version {version}")
    with ctx.uow(readonly=True) as uow:
        found = (uow.repo.definition_version(caller.province, key, version)
                 if version is not None else uow.repo.latest_definition(caller.province, key))
    if found is None:
        raise NotFound(f"no process definition {key}" + (f" version {version}" if version else ""))
    return found


def start_form(ctx: Context, found: ProcessDefinition) -> str | None:
    """The form the version's start events name (what intake checks `{"applicant", "data"}`
    against), or None when intake takes any data."""
    def load() -> tuple[bytes, dict[str, Any], str, int]:
        return found.bpmn_xml.encode("utf-8"), found.forms, found.key, found.version

    return ctx.cache.version(found.id, load).compiled.start_form


def catalogue(ctx: Context, caller: Caller, key: str | None = None
              ) -> list[versions.VersionView]:
    """Every version of the province's processes (or of one), with their states' record."""
    require(caller, Action.DEFINITION_READ)
    with ctx.uow(readonly=True) as uow:
        return versions.views(uow.repo, uow.repo.definitions(caller.province, key))


def version_of(ctx: Context, repo: Repository, definition_id: int) -> Version:
    """The compiled version a dossier runs on; the definition row is read only on a miss."""
    def load() -> tuple[bytes, dict[str, Any], str, int]:
        found = repo.definition(definition_id)
        if found is None:
            raise NotFound(f"no process definition {definition_id}")
        return found.bpmn_xml.encode("utf-8"), found.forms, found.key, found.version

    return ctx.cache.version(definition_id, load)


def _content_hash(xml: str, forms: dict[str, Any]) -> str:
    body = json.dumps([xml, forms], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
