"""Deploying process versions: validate, store once, never re-version identical content."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.access import Action, Caller, require
from engine.bpmn import CompiledProcess
from engine.errors import InvalidInput, NotFound
from engine.services.catalog_cache import Version, compile_process
from engine.services.context import Context
from engine.store.models import ProcessDefinition
from engine.store.repository import Repository
from engine.store.uow import IntegrityError


@dataclass(frozen=True)
class Deployed:
    definition: ProcessDefinition
    created: bool


# Versions are numbered from 1 in a 32-bit column: a number outside that names none.
MAX_VERSION = 2**31 - 1


def validate(ctx: Context, bpmn: bytes, forms: dict[str, bytes],
             filename: str = "process.bpmn") -> CompiledProcess:
    """Every check of a deployment, storing nothing. Raises BpmnInvalid."""
    return compile_process(bpmn, dict(forms), ctx.settings.max_upload_bytes, filename)


def check(ctx: Context, caller: Caller, bpmn: bytes, forms: Mapping[str, bytes],
          filename: str = "process.bpmn") -> CompiledProcess:
    """`validate` for a designer: every check of a deployment, storing nothing."""
    require(caller, Action.DEFINITION_DEPLOY)
    return validate(ctx, bpmn, dict(forms), filename)


def deploy(ctx: Context, caller: Caller, bpmn: bytes, forms: dict[str, bytes],
           filename: str = "process.bpmn") -> Deployed:
    """Store a new version of the process key, or return the version with this content."""
    require(caller, Action.DEFINITION_DEPLOY)
    compiled = validate(ctx, bpmn, forms, filename)
    xml = compiled.normalized_xml.decode("utf-8")
    content_hash = _content_hash(xml, compiled.forms)
    for _attempt in range(3):
        with ctx.uow() as uow:
            same = uow.repo.definition_by_hash(caller.province, compiled.key, content_hash)
            if same is not None:
                return Deployed(same, created=False)
            latest = uow.repo.latest_definition(caller.province, compiled.key)
            definition = ProcessDefinition(
                province=caller.province, key=compiled.key, name=compiled.name,
                version=(latest.version + 1) if latest else 1, content_hash=content_hash,
                bpmn_xml=xml, forms=compiled.forms, deployed_at=ctx.clock.now(),
                deployed_by=caller.id)
            uow.repo.add(definition)
            try:
                uow.commit()
            except IntegrityError:
                continue  # a concurrent deploy took this version number; look again
            return Deployed(definition, created=True)
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


def catalogue(ctx: Context, caller: Caller, key: str | None = None) -> list[ProcessDefinition]:
    require(caller, Action.DEFINITION_READ)
    with ctx.uow(readonly=True) as uow:
        return list(uow.repo.definitions(caller.province, key))


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
