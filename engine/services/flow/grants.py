"""Sharing a dossier between integration clients: the client that started it (or an
administrator) grants another client of the province the same access, and withdraws it.
Each grant and withdrawal is an event of the dossier's history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.access import Action, Caller, actor_of, manage_grants, needs_grant_lookup
from engine.errors import InvalidInput, NotFound
from engine.services.context import Context
from engine.services.flow import progress
from engine.store import org
from engine.store.models import Dossier, Principal
from engine.store.models_dossiers import DossierGrant
from engine.store.uow import UnitOfWork

# Principal ids are 32-bit integers: a larger id names no one (PostgreSQL refuses it).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class GrantView:
    client: int
    client_name: str
    granted_by: int
    granted_at: datetime


def list_grants(ctx: Context, caller: Caller, code: str) -> list[GrantView]:
    with ctx.uow(readonly=True) as uow:
        dossier = _dossier(uow, caller, code, Action.DOSSIER_GRANTS_READ)
        return [GrantView(g.client_id, name, g.granted_by, g.granted_at)
                for g, name in uow.repo.grants(dossier.id)]


def grant(ctx: Context, caller: Caller, code: str, client_id: int) -> tuple[GrantView, bool]:
    """Grant `client_id` the dossier. Returns (the grant, True), or (the grant already
    there, False): granting twice changes nothing."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = _dossier(uow, caller, code, Action.DOSSIER_GRANT, lock=True)
        grantee = _grantee(uow, caller, dossier, client_id)
        found = next((g for g, _ in uow.repo.grants(dossier.id) if g.client_id == client_id),
                     None)
        if found is not None:
            return GrantView(client_id, grantee.name, found.granted_by, found.granted_at), False
        uow.repo.add(DossierGrant(dossier_id=dossier.id, client_id=client_id,
                                  granted_by=caller.id, granted_at=now))
        progress.record(uow, dossier, "access.granted", at=now, actor_id=caller.id,
                        payload={"client": client_id, "client_name": grantee.name,
                                 "by": caller.name, "role": caller.role},
                        actor=actor_of(caller))
        uow.commit()
        return GrantView(client_id, grantee.name, caller.id, now), True


def revoke(ctx: Context, caller: Caller, code: str, client_id: int) -> bool:
    """Withdraw the grant. Returns False when the client held none (nothing changes: a
    repeated withdrawal answers as the first)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier = _dossier(uow, caller, code, Action.DOSSIER_GRANT, lock=True)
        if not 0 < client_id <= MAX_ID or not uow.repo.revoke_grant(dossier.id, client_id):
            return False
        progress.record(uow, dossier, "access.revoked", at=now, actor_id=caller.id,
                        payload={"client": client_id, "by": caller.name, "role": caller.role},
                        actor=actor_of(caller))
        uow.commit()
        return True


def _dossier(uow: UnitOfWork, caller: Caller, code: str, action: Action, *,
             lock: bool = False) -> Dossier:
    dossier = uow.repo.dossier(caller.province, code, lock=lock)
    if dossier is None:
        raise NotFound(f"no dossier {code}")
    granted = needs_grant_lookup(caller, dossier) and uow.repo.granted(dossier.id, caller.id)
    manage_grants(caller, dossier, action, granted=granted)
    return dossier


def _grantee(uow: UnitOfWork, caller: Caller, dossier: Dossier, client_id: int) -> Principal:
    """The client to grant: an enabled integration client of the same province, other than
    the one that started the dossier."""
    found = org.principal(uow.session, caller.province, client_id) \
        if 0 < client_id <= MAX_ID else None
    if found is None or found.role != "client" or found.disabled_at is not None:
        raise InvalidInput(f"no client {client_id} in your province", errors=[
            {"field": "client", "message": "the id of an enabled client of your province"}])
    if found.id == dossier.client_id:
        raise InvalidInput(f"client {client_id} started dossier {dossier.code}", errors=[
            {"field": "client", "message": "started the dossier: it has access already"}])
    return found
