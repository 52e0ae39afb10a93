"""The push to the national portal: a subscription of the format `sync-packet`, whose
deliveries carry the dossier's sync packet (DOMAIN.md §6) instead of the event. The packet
is made when it is sent, so a portal never gets an older state of a dossier after a newer
one; the deliveries go out as webhooks do (signed, retried, in order per dossier). A portal
that answers "already exists" (one of `exists_status`, 409 by default, or a JSON body one
of whose top-level values is `exists_code`) is sent the packet again as an update
(`update_method`, PUT by default, with `update_query` added to the URL if given); that
answer decides the try."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from engine import jsoncodec
from engine.errors import InvalidInput
from engine.integration.webhooks import FORMATS, UPDATE_METHODS
from engine.services.flow.sync_packet import packet_of
from engine.store.models import Dossier
from engine.store.models_webhooks import WebhookDelivery, WebhookSubscription
from engine.store.uow import UnitOfWork

SYNC_PACKET = "sync-packet"
DEFAULT_EVENTS = ["dossier.portal_status_changed"]
DEFAULTS: dict[str, Any] = {"exists_status": [409], "exists_code": None,
                            "update_method": "PUT", "update_query": None}


def _wrong(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", errors=[{"field": field, "message": message}])


def check_options(fmt: str, given: dict[str, Any] | None) -> dict[str, Any] | None:
    """The push options of a new subscription with their defaults; none for an event one."""
    if fmt not in FORMATS:
        raise _wrong("format", f"one of {', '.join(FORMATS)}")
    if fmt != SYNC_PACKET:
        if given:
            raise _wrong("on_exists", "only a sync-packet subscription has these")
        return None
    found = {**DEFAULTS, **(given or {})}
    unknown = sorted(set(found) - set(DEFAULTS))
    if unknown:
        raise _wrong("on_exists", f"unknown options {', '.join(unknown)}")
    statuses = found["exists_status"]
    if not isinstance(statuses, list) or not all(
            isinstance(s, int) and 100 <= s <= 599 for s in statuses):
        raise _wrong("on_exists.exists_status", "a list of HTTP status codes")
    if found["update_method"] not in UPDATE_METHODS:
        raise _wrong("on_exists.update_method", f"one of {', '.join(UPDATE_METHODS)}")
    for name in ("exists_code", "update_query"):
        if found[name] is not None and (not isinstance(found[name], str)
                                        or not 0 < len(found[name]) <= 200):
            raise _wrong(f"on_exists.{name}", "a text of 1 to 200 characters")
    return found


def body_of(uow: UnitOfWork, sub: WebhookSubscription, delivery: WebhookDelivery) -> bytes:
    """What a delivery sends: its event, or for a push the dossier's packet now."""
    if sub.format != SYNC_PACKET:
        return jsoncodec.dumps(delivery.payload).encode()
    dossier = uow.session.get(Dossier, delivery.dossier_id)
    assert dossier is not None
    return jsoncodec.dumps(packet_of(uow, dossier)).encode()


def update_url(url: str, options: dict[str, Any]) -> str:
    """Where the update goes: the receiver URL, with `update_query` added."""
    extra = options.get("update_query")
    if not extra:
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
