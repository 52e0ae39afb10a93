"""Moving a process's running dossiers from one version to another.

A dry run answers at once for at most `DRY_RUN_LIMIT` dossiers (a page: `offset`), each with
whether it can move and, if not, why (engine.lifecycle.migration). A real run writes the
migration record, one pending row per dossier and the jobs that move them (outbox rows, in
the same transaction); each dossier then moves in its own unit of work, under its row lock,
only if it is still on the source version and its row is still pending, so a job run twice
(a worker killed mid-batch, the sweep re-sending a stalled migration) moves no dossier twice.
A dossier that cannot move stays on its version, with the reasons recorded.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.access import Action, Caller, require
from engine.errors import InvalidInput, NotFound
from engine.lifecycle.migration import assess, migrate
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.design.versions import ACTIVE, DRAFT, MAX_VERSION
from engine.services.flow import progress
from engine.services.flow.instances import load_instance
from engine.services.flow.statutory import calendar_of
from engine.store import migration_rows as rows
from engine.store.models import OutboxMessage, ProcessDefinition
from engine.store.models_migrations import DossierMigration
from engine.store.uow import UnitOfWork

MIGRATE_ACTOR = "migrate_dossiers"
DRY_RUN_LIMIT = 200  # dossiers assessed per dry run (a page; `offset` for the next)
BATCH = 50  # dossiers per job of a real run
MAX_MAPPING = 500


def _versions(uow: UnitOfWork, caller: Caller, key: str, a: int, b: int
              ) -> tuple[ProcessDefinition, ProcessDefinition]:
    found = []
    for field, number in (("from_version", a), ("to_version", b)):
        row = (uow.repo.definition_version(caller.province, key, number)
               if 1 <= number <= MAX_VERSION else None)
        if row is None:
            if field == "from_version" and not uow.repo.definitions(caller.province, key):
                raise NotFound(f"no process definition {key}")
            raise InvalidInput(f"{field}: no version {number} of {key}")
        found.append(row)
    if a == b:
        raise InvalidInput("to_version: the same as from_version")
    if found[1].status not in (ACTIVE, DRAFT):
        raise InvalidInput(f"to_version: version {b} is {found[1].status}; "
                           "dossiers move only to an active or draft version")
    return found[0], found[1]


def _check_mapping(mapping: dict[str, str]) -> None:
    if len(mapping) > MAX_MAPPING:
        raise InvalidInput(f"mapping: at most {MAX_MAPPING} elements")
    for old, new in mapping.items():
        if not isinstance(new, str) or not old or not new:
            raise InvalidInput(f"mapping/{old}: an element id of the target version")


def start(ctx: Context, caller: Caller, key: str, *, from_version: int, to_version: int,
          mapping: dict[str, str], dry_run: bool, dossiers: list[str] | None,
          offset: int = 0) -> dict[str, Any]:
    """A dry run's assessment, or the real run's migration record (its jobs queued)."""
    require(caller, Action.DEFINITION_MIGRATE)
    _check_mapping(mapping)
    now = ctx.clock.now()
    with ctx.uow(readonly=dry_run) as uow:
        source, target = _versions(uow, caller, key, from_version, to_version)
        a = version_of(ctx, uow.repo, source.id).compiled
        b = version_of(ctx, uow.repo, target.id).compiled
        unknown = sorted(set(mapping.values()) - _element_ids(b))
        if unknown:
            raise InvalidInput(f"mapping: no element {unknown[0]} in version {to_version}")
        if dry_run:
            found, total = rows.running_dossiers(uow.session, source.id, dossiers,
                                                 DRY_RUN_LIMIT, offset)
            results = []
            for dossier in found:
                instance = load_instance(ctx, dossier, a, now, None)
                reasons = assess(instance.workflow, a, b, mapping)
                results.append({"code": dossier.code, "can_move": not reasons,
                                "reasons": reasons})
            end = offset + len(found)
            return {"dry_run": True, "from_version": from_version, "to_version": to_version,
                    "total": total, "offset": offset, "results": results,
                    "next_offset": end if end < total else None}
        ids = rows.running_dossier_ids(uow.session, source.id, dossiers)
        record = DossierMigration(province=caller.province, process_key=key,
                                  from_definition_id=source.id, to_definition_id=target.id,
                                  mapping=mapping, status="running" if ids else "finished",
                                  created_by=caller.id, created_at=now,
                                  finished_at=None if ids else now)
        uow.repo.add(record)
        uow.repo.flush()
        rows.add_items(uow.session, record.id, ids)
        for i in range(0, len(ids), BATCH):
            uow.repo.add(OutboxMessage(actor=MIGRATE_ACTOR, created_at=now, due_at=now,
                                       payload={"migration_id": record.id,
                                                "dossier_ids": ids[i:i + BATCH]}))
        uow.commit()
        return _view(record, from_version, to_version, {"pending": len(ids)}, [], 0)


def _element_ids(compiled: Any) -> set[str]:
    specs = [compiled.spec, *compiled.subprocess_specs.values()]
    return {t.bpmn_id for s in specs for t in s.task_specs.values() if t.bpmn_id}


def move_batch(ctx: Context, migration_id: int, dossier_ids: list[int]) -> int:
    """Move each dossier in its own unit of work; returns how many moved."""
    moved = sum(_move_one(ctx, migration_id, d) for d in dossier_ids)
    with ctx.uow() as uow:
        rows.finish_if_done(uow.session, migration_id, ctx.clock.now())
        uow.commit()
    return moved


def _move_one(ctx: Context, migration_id: int, dossier_id: int) -> bool:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = uow.repo.dossier_by_id(dossier_id, lock=True)
        item = rows.item(uow.session, migration_id, dossier_id)
        record = uow.session.get(DossierMigration, migration_id)
        if dossier is None or item is None or record is None or item.status != "pending":
            return False
        item.done_at = now
        if dossier.definition_id == record.to_definition_id:
            item.status = "skipped"
        elif dossier.definition_id != record.from_definition_id or dossier.status != "in_process":
            item.status, item.reasons = "failed", [{"reason": "no_longer_on_version"
                                                    if dossier.status == "in_process"
                                                    else f"dossier_{dossier.status}"}]
        else:
            item.status, item.reasons = _move(ctx, uow, record, dossier, now)
        uow.commit()
        return item.status == "moved"


def _move(ctx: Context, uow: UnitOfWork, record: DossierMigration, dossier: Any,
          now: datetime) -> tuple[str, list[Any] | None]:
    source = version_of(ctx, uow.repo, record.from_definition_id)
    target = version_of(ctx, uow.repo, record.to_definition_id)
    cal = calendar_of(ctx, dossier.province, dossier.calendar_id, repo=uow.repo)
    open_tasks = list(uow.repo.open_tasks_of(dossier.id))
    instance = load_instance(ctx, dossier, source.compiled, now, cal)
    reasons = assess(instance.workflow, source.compiled, target.compiled, record.mapping)
    if reasons:
        return "failed", reasons
    migrate(instance.workflow, target.compiled, record.mapping)
    instance.run_on()
    dossier.definition_id = record.to_definition_id
    progress.record(uow, dossier, "dossier.migrated", at=now, actor_id=record.created_by,
                    payload={"migration_id": record.id, "from_version": source.number,
                             "to_version": target.number, "mapping": record.mapping})
    progress.save(uow, dossier, instance, at=now, actor_id=record.created_by,
                  max_data_bytes=ctx.settings.max_dossier_data_bytes, open_tasks=open_tasks)
    _align_inbox(open_tasks, {t.task_id: t for t in instance.user_tasks()})
    return "moved", None


def _align_inbox(open_tasks: list[Any], ready: dict[str, Any]) -> None:
    """Inbox rows whose task is still waiting take the new version's element, name, form
    and position; a claim stays only where the element is the same (a mapped element is
    other work: it goes back to the inbox)."""
    for row in open_tasks:
        view = ready.get(row.id)
        if view is None:
            continue
        if row.element_id != view.element_id:
            row.element_id, row.holder_id, row.held_since, row.assigned_by = (
                view.element_id, None, None, None)
        row.name, row.form, row.position = view.name, view.form, view.position


def requeue_stalled(ctx: Context) -> int:
    """Send again the pending dossiers of migrations that made no progress for the
    setting `migration_stalled_seconds` (their jobs were lost); moving is idempotent per
    dossier."""
    if ctx.send_job is None:
        return 0
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        quiet = timedelta(seconds=ctx.settings.migration_stalled_seconds)
        stalled = rows.stalled(uow.session, now - quiet, 10 * BATCH)
    for migration_id, ids in stalled:
        for i in range(0, len(ids), BATCH):
            ctx.send_job(MIGRATE_ACTOR, {"migration_id": migration_id,
                                         "dossier_ids": ids[i:i + BATCH]}, 0.0)
    return len(stalled)


def get(ctx: Context, caller: Caller, key: str, migration_id: int, *, limit: int,
        offset: int) -> dict[str, Any]:
    """The migration's progress, and a page of its results per dossier."""
    require(caller, Action.DEFINITION_MIGRATE)
    with ctx.uow(readonly=True) as uow:
        record = rows.migration(uow.session, caller.province, key, migration_id)
        if record is None:
            raise NotFound(f"no migration {migration_id} of {key}")
        a = uow.repo.definition(record.from_definition_id)
        b = uow.repo.definition(record.to_definition_id)
        assert a is not None and b is not None
        page = [{"code": code, "status": it.status, "reasons": it.reasons or [],
                 "at": it.done_at} for it, code in rows.items(uow.session, record.id,
                                                             limit, offset)]
        return _view(record, a.version, b.version, rows.counts(uow.session, record.id),
                     page, offset)


def _view(record: DossierMigration, a: int, b: int, counts: dict[str, int],
          page: list[dict[str, Any]], offset: int) -> dict[str, Any]:
    total = sum(counts.values())
    return {"id": record.id, "process_key": record.process_key, "from_version": a,
            "to_version": b, "mapping": record.mapping, "status": record.status,
            "created_by": record.created_by, "created_at": record.created_at,
            "finished_at": record.finished_at, "total": total,
            "moved": counts.get("moved", 0), "skipped": counts.get("skipped", 0),
            "failed": counts.get("failed", 0), "left": counts.get("pending", 0),
            "offset": offset, "dossiers": page}
