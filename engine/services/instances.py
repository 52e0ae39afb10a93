"""Loading a dossier's live instance with its version, calendar and the command's instant."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.bpmn import CompiledProcess
from engine.runtime import Instance
from engine.services.context import Context
from engine.services.statutory import received_day
from engine.store.records import DossierRow


def load_instance(ctx: Context, dossier: DossierRow, compiled: CompiledProcess, now: datetime,
                  cal: Any) -> Instance:
    return Instance.load(dossier.state, compiled.spec, compiled.subprocess_specs,
                         ctx.cache.script_engine(), now=now, calendar=cal,
                         as_of=received_day(dossier))
