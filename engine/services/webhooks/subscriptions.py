"""Subscriptions: a receiver URL, the events it wants, and whose dossiers (the client's
own, or every dossier of one procedure or process of the province). The signing secret is
shown once, when it is made (at creation and at each rotation)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from engine.access import Action, Caller, require
from engine.access.outside import may_subscribe_to, see_subscription
from engine.errors import InvalidInput, NotFound
from engine.integration.receivers import check_url, parse_networks
from engine.integration.webhooks import EVENT_TYPES, mask_of, new_secret, types_of
from engine.services.context import Context
from engine.services.webhooks import push
from engine.settings import Settings
from engine.store.models import ProcessDefinition
from engine.store.models_webhooks import WebhookSubscription
from engine.store.uow import UnitOfWork

MAX_PER_OWNER = 50


def check_receiver(settings: Settings, url: str) -> str:
    """Refuse a URL webhooks may not go to (ReceiverRefused names `url`); return the
    address its host resolves to now, which a send then connects to."""
    found = check_url(url, allow_http=bool(settings.webhook_allow_http),
                      allowed=parse_networks(settings.webhook_allow_networks))
    return str(found[0])


def _event_types(event_types: Any) -> int:
    if not isinstance(event_types, list) or not event_types:
        raise InvalidInput("name the events to send", errors=[
            {"field": "event_types", "message": f"a non-empty list of {', '.join(EVENT_TYPES)}"}])
    unknown = [e for e in event_types if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"unknown event types: {', '.join(map(str, unknown))}", errors=[
            {"field": "event_types", "message": f"each one of {', '.join(EVENT_TYPES)}"}])
    return mask_of(event_types)


def create_subscription(ctx: Context, caller: Caller, *, url: str, event_types: Any = None,
                        procedure_code: str | None = None, process_key: str | None = None,
                        format: str = "event", on_exists: dict[str, Any] | None = None
                        ) -> tuple[WebhookSubscription, str]:
    """Returns the subscription and its secret (never shown again). A `sync-packet` one is
    the push to the national portal (push.py): of the whole province unless it names a
    procedure or process, on its portal status changes unless it names other events."""
    if procedure_code and process_key:
        raise InvalidInput("follow one procedure or one process, not both", errors=[
            {"field": "process_key", "message": "give procedure_code or process_key"}])
    pushed = format == push.SYNC_PACKET
    scope = "procedure" if procedure_code else "process" if process_key else \
        "province" if pushed else "own"
    may_subscribe_to(caller, scope, pushed=pushed)
    options = push.check_options(format, on_exists)
    mask = _event_types(push.DEFAULT_EVENTS if pushed and event_types is None
                        else event_types)
    check_receiver(ctx.settings, url)
    now = ctx.clock.now()
    secret = new_secret()
    with ctx.uow() as uow:
        if len(uow.repo.subscriptions_of(caller.id)) >= MAX_PER_OWNER:
            raise InvalidInput(f"at most {MAX_PER_OWNER} subscriptions each; delete one",
                               errors=[{"field": "url", "message": "too many subscriptions"}])
        _check_scope(uow, caller, procedure_code, process_key)
        sub = WebhookSubscription(
            province=caller.province, owner_id=caller.id, url=url, event_mask=mask,
            client_id=caller.id if scope == "own" else None, procedure_code=procedure_code,
            process_key=process_key, secret=secret, created_at=now, format=format,
            push_options=options)
        uow.repo.add(sub)
        uow.repo.flush()
        uow.commit()
        return sub, secret


def _check_scope(uow: UnitOfWork, caller: Caller, procedure_code: str | None,
                 process_key: str | None) -> None:
    if procedure_code and uow.repo.procedure(caller.province, procedure_code) is None:
        raise InvalidInput(f"no procedure {procedure_code} in your province", errors=[
            {"field": "procedure_code", "message": "not a procedure of your province"}])
    if process_key and uow.session.scalar(select(ProcessDefinition.id).where(
            ProcessDefinition.province == caller.province,
            ProcessDefinition.key == process_key).limit(1)) is None:
        raise InvalidInput(f"no process {process_key} in your province", errors=[
            {"field": "process_key", "message": "not a process deployed in your province"}])


def list_subscriptions(ctx: Context, caller: Caller) -> list[WebhookSubscription]:
    may_subscribe_to_any(caller)
    with ctx.uow(readonly=True) as uow:
        return list(uow.repo.subscriptions_of(caller.id))


def may_subscribe_to_any(caller: Caller) -> None:
    require(caller, Action.SUBSCRIPTION_MANAGE)


def find_subscription(uow: UnitOfWork, caller: Caller, subscription_id: int, *,
                      lock: bool = False) -> WebhookSubscription:
    may_subscribe_to_any(caller)
    sub = uow.repo.subscription(caller.province, subscription_id, lock=lock)
    if sub is None:
        raise NotFound("no such subscription")
    see_subscription(caller, sub.owner_id, sub.province)
    return sub


def get_subscription(ctx: Context, caller: Caller, subscription_id: int) -> WebhookSubscription:
    with ctx.uow(readonly=True) as uow:
        return find_subscription(uow, caller, subscription_id)


def delete_subscription(ctx: Context, caller: Caller, subscription_id: int) -> None:
    """Nothing more is sent to it: its pending deliveries are given up (dead)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        sub = find_subscription(uow, caller, subscription_id, lock=True)
        sub.deleted_at = now
        uow.repo.dead_pending_of(sub.id, now)
        uow.commit()


def rotate_secret(ctx: Context, caller: Caller, subscription_id: int
                  ) -> tuple[WebhookSubscription, str]:
    """A new secret signs from now on; the old one signs too for `webhook_secret_grace`
    seconds (both signatures are sent), so the receiver can switch without a gap."""
    now = ctx.clock.now()
    secret = new_secret()
    with ctx.uow() as uow:
        sub = find_subscription(uow, caller, subscription_id, lock=True)
        sub.previous_secret, sub.secret = sub.secret, secret
        sub.previous_secret_until = now + timedelta(seconds=ctx.settings.webhook_secret_grace)
        uow.commit()
        return sub, secret


def view(sub: WebhookSubscription) -> dict[str, Any]:
    scope = "procedure" if sub.procedure_code else "process" if sub.process_key else \
        "own" if sub.client_id else "province"
    return {"id": sub.id, "url": sub.url, "event_types": types_of(sub.event_mask),
            "scope": scope, "procedure_code": sub.procedure_code,
            "process_key": sub.process_key, "created_at": sub.created_at,
            "previous_secret_until": sub.previous_secret_until,
            "active": sub.disabled_at is None, "disabled_at": sub.disabled_at,
            "disabled_reason": sub.disabled_reason, "format": sub.format,
            "on_exists": sub.push_options}
