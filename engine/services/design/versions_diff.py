"""What changed between two versions of one process (engine.lifecycle.diff), for designers
who choose which version new dossiers start on."""
from __future__ import annotations

from typing import Any

from engine.access import Action, Caller, require
from engine.errors import NotFound
from engine.lifecycle.diff import diff_versions
from engine.services.context import Context
from engine.services.design.catalog import version_of
from engine.services.design.versions import MAX_VERSION


def diff(ctx: Context, caller: Caller, key: str, base: int, other: int) -> dict[str, Any]:
    """Elements and form fields added, removed and changed from version `base` to `other`.
    The versions are compiled once per process (the catalogue cache), as dossiers use them."""
    require(caller, Action.DEFINITION_READ)
    ids = []
    with ctx.uow(readonly=True) as uow:
        for number in (base, other):
            found = (uow.repo.definition_version(caller.province, key, number)
                     if 1 <= number <= MAX_VERSION else None)
            if found is None:
                raise NotFound(f"no process definition {key} version {number}")
            ids.append(found.id)
        a, b = (version_of(ctx, uow.repo, i).compiled for i in ids)
    return {"key": key, "base": base, "other": other, **diff_versions(a, b)}
