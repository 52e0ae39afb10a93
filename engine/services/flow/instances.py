"""Loading a dossier's live instance with its version, calendar and the command's instant."""
from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from engine import jsoncodec
from engine.bpmn import CompiledProcess
from engine.runtime import Instance
from engine.services.context import Context
from engine.services.flow.statutory import received_day
from engine.store.records import DossierRow


def load_instance(ctx: Context, dossier: DossierRow, compiled: CompiledProcess, now: datetime,
                  cal: Any) -> Instance:
    state = dossier.state
    if isinstance(state, str):  # the hot path reads it as text, parsed only when needed
        state = jsoncodec.loads(state)
    return Instance.load(state, compiled.spec, compiled.subprocess_specs,
                         ctx.cache.script_engine(), now=now, calendar=cal,
                         as_of=received_day(dossier),
                         time_budget=ctx.settings.command_time_limit)


def take_instance(ctx: Context, dossier: DossierRow, compiled: CompiledProcess, now: datetime,
                  cal: Any) -> Instance:
    """For a command that will step the instance: the one this process kept after the
    dossier's last command if the row has not moved since, else loaded from the state.
    Hand it back with `keep_instance` once the command has committed."""
    kept = ctx.live.take(dossier.id, dossier.row_version, dossier.definition_id)
    if kept is not None:
        return kept.resume(now=now, calendar=cal, as_of=received_day(dossier),
                           time_budget=ctx.settings.command_time_limit)
    return load_instance(ctx, dossier, compiled, now, cal)


def keep_instance(ctx: Context, dossier: DossierRow, instance: Instance,
                  data: dict[str, Any] | None = None) -> dict[str, Any]:
    """After the commit that stored `instance` under the dossier's current row version:
    keep it for the dossier's next command, and return a copy of its data for the caller's
    view (once kept, another command may step the instance while the view is sent), or
    `data` when the caller copied it already (`copy_data`)."""
    if data is None:
        data = _copy(instance.data)
    ctx.live.keep(dossier.id, dossier.row_version, dossier.definition_id, instance)
    return data


def copy_data(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of an instance's data that stays as it is whatever the instance does next."""
    return _copy(data)


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of JSON data: through orjson, many times faster than `copy.deepcopy`;
    values JSON has no form for (a script may leave a date) are copied as they are."""
    try:
        copied: dict[str, Any] = jsoncodec.loads(jsoncodec.dumps_bytes(data))
    except (TypeError, ValueError):
        return copy.deepcopy(data)
    return copied
