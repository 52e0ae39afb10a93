"""Incidents: a diagram that fails at run time never stops a dossier silently.

When an officer's or client's command (a completion, a message, a supplement, an intake)
drives the process into an error, the command is refused (`ProcessError`, naming the
element) and its transaction rolls back: the dossier is as it was. When a timer does, the
dossier is likewise left as it was before that step. Either way the failure is recorded as
an incident, in a unit of work of its own after the rollback (`recording`); the same
failure repeated while the incident is open counts on it rather than opening another.

A dossier with an open incident is marked with it (`dossiers.incident_id`). While an
incident opened by a timer (or a dossier stopped on an error before incidents existed) is
open, the dossier is not woken: the same step would fail again at every wake. Incidents are
resolved by what succeeds afterwards: the same command sent again (a completion of the same
task, the same message), or a designer's retry of a timer (`engine.services.flow.repair`).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from engine.errors import MotcuaError, ProcessError
from engine.runtime import Instance
from engine.services.context import Context
from engine.store.incident_rows import BLOCKING
from engine.store.models_incidents import Incident
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

MAX_MESSAGE_NAME = 200


def check(instance: Instance, dossier: DossierRow, *, trigger: str = "command",
          command: str | None = None, task_id: str | None = None,
          message: str | None = None, incident_id: int | None = None) -> None:
    """Raise ProcessError if the command's engine steps ended on an error."""
    if instance.error:
        raise failure(instance.error, instance, province=dossier.province,
                      dossier_id=dossier.id, definition_id=dossier.definition_id,
                      process_key=dossier.process_key, trigger=trigger, command=command,
                      task_id=task_id, message=message, incident_id=incident_id)


def failure(error: str, instance: Instance | None, *, province: str, dossier_id: int | None,
            definition_id: int, process_key: str, trigger: str, command: str | None = None,
            task_id: str | None = None, message: str | None = None,
            incident_id: int | None = None) -> ProcessError:
    """The refusal of a command whose steps failed with `error` (at the element that
    `instance` recorded as failed, if any), carrying what its incident is opened with."""
    step = instance.failed_step if instance is not None else None
    element = step.element_id if step else None
    name = step.name if step else None
    where = (f"{element} ({name})" if name else element) if element else "the process"
    draft = {"province": province, "dossier_id": dossier_id, "definition_id": definition_id,
             "process_key": process_key, "element_id": element, "element_name": name,
             "element_type": step.element_type if step else None, "trigger": trigger,
             "command": command, "task_id": task_id,
             "message": message[:MAX_MESSAGE_NAME] if message else None, "error": error,
             "incident_id": incident_id}
    return ProcessError(
        f"the process failed at {where}: {error.rstrip(' .')}; nothing of the "
        f"{'timer' if trigger != 'command' else 'command'} was stored",
        errors=[{"field": "process", "element": element, "name": name, "message": error}],
        incident=draft)


def limit_failure(exc: MotcuaError, dossier: DossierRow, *, trigger: str,
                  incident_id: int | None = None) -> ProcessError:
    """A limit (data size, command time) a timer's steps ran into, as a failure of the
    process: the same steps would run into it at every wake."""
    return failure(exc.message, None, province=dossier.province, dossier_id=dossier.id,
                   definition_id=dossier.definition_id, process_key=dossier.process_key,
                   trigger=trigger, incident_id=incident_id)


@contextmanager
def recording(ctx: Context) -> Iterator[None]:
    """Around a command whose unit of work ends inside: a ProcessError it raises (its
    transaction rolled back by then) opens or counts its incident, then goes on to the
    caller naming it."""
    try:
        yield
    except ProcessError as exc:
        if exc.incident is not None and exc.incident_id is None:
            exc.incident_id = open_incident(ctx, exc.incident)
            for item in exc.errors:
                item["incident_id"] = exc.incident_id
        raise


def open_incident(ctx: Context, draft: dict[str, Any]) -> int:
    """Write the incident of a failure (or count it on the same open one) and mark its
    dossier; returns its id."""
    now = ctx.clock.now()
    draft = dict(draft)
    known = draft.pop("incident_id", None)
    with ctx.uow() as uow:
        dossier = None
        if draft["dossier_id"] is not None:
            # Under the dossier's lock: two failures at once count on one incident.
            dossier = uow.repo.dossier_by_id(draft["dossier_id"], lock=True)
        incident = (uow.session.get(Incident, known) if known is not None
                    else uow.repo.same_open_incident(draft))
        if incident is not None and incident.status == "open":
            incident.count += 1
            incident.last_seen_at, incident.error = now, draft["error"]
        else:
            incident = Incident(**draft, status="open", count=1, opened_at=now,
                                last_seen_at=now)
            uow.repo.add(incident)
            uow.repo.flush()
        if dossier is not None:
            if dossier.incident_id is None:
                dossier.incident_id = incident.id
            if incident.trigger in BLOCKING:
                dossier.next_wakeup = dossier.wake_queued_at = None
        uow.commit()
        return incident.id


def blocked(uow: UnitOfWork, dossier: DossierRow) -> bool:
    """Whether an open incident of a timer keeps the dossier from being woken."""
    return dossier.incident_id is not None and any(
        i.trigger in BLOCKING for i in uow.repo.open_incidents_of(dossier.id))


def resolve(uow: UnitOfWork, dossier: DossierRow, *, at: datetime, by: int | None,
            resolution: str, trigger: str = "command", task_id: str | None = None,
            message: str | None = None) -> list[int]:
    """After a command or retry that succeeded on a dossier marked with an incident: resolve
    the open incidents it redid (the completion of `task_id`, the delivery of `message`, or
    with `trigger` "timer" every incident that kept the dossier from being woken), and mark
    the dossier with the one still open, if any. Returns the ids resolved."""
    if dossier.incident_id is None:
        return []
    open_ = list(uow.repo.open_incidents_of(dossier.id))
    if trigger != "command":
        done = [i for i in open_ if i.trigger in BLOCKING]
    elif task_id is not None:
        done = [i for i in open_ if i.trigger == "command" and i.task_id == task_id]
    else:
        done = [i for i in open_ if i.trigger == "command" and i.message == message
                and i.command in ("message", "supplement")]
    uow.repo.resolve_incidents(done, at=at, by=by, resolution=resolution)
    left = [i for i in open_ if i not in done]
    dossier.incident_id = left[0].id if left else None
    return [i.id for i in done]
