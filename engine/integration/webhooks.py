"""Webhook events and their Standard Webhooks signatures (https://www.standardwebhooks.com).

A delivery is signed over `id.timestamp.body` with HMAC-SHA256; the `webhook-signature`
header holds one `v1,<base64>` per secret in use, space-separated (after a rotation the old
secret signs too, for a grace period, so receivers can switch without losing a message).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

# The events a subscription may ask for; each is one bit of its `event_mask`, in this order
# (append only: stored masks keep their meaning).
EVENT_TYPES = (
    "dossier.status_changed",
    "task.created",
    "dossier.approaching",
    "dossier.overdue",
    "dossier.result_ready",
    "dossier.supplement_requested",
    "dossier.portal_status_changed",
    "dossier.message_awaited",
)
# What a subscription's deliveries carry: the event (the default), or the dossier's sync
# packet for the national portal (DOMAIN.md §6), as it stands when it is sent.
FORMATS = ("event", "sync-packet")
UPDATE_METHODS = ("PUT", "PATCH", "POST")
BIT = {name: 1 << i for i, name in enumerate(EVENT_TYPES)}
SECRET_PREFIX = "whsec_"


def mask_of(event_types: Iterable[str]) -> int:
    mask = 0
    for name in event_types:
        mask |= BIT[name]
    return mask


def types_of(mask: int) -> list[str]:
    return [name for name in EVENT_TYPES if mask & BIT[name]]


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_use: Sequence[str], message_id: str, timestamp: int,
            body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    return {"content-type": "application/json", "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(s, message_id, timestamp, body)
                                          for s in secrets_in_use)}


def verify(secret: str, message_id: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether one of the space-separated signatures is this secret's (what a receiver
    does; the tests' receiver uses it)."""
    expected = sign(secret, message_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, s) for s in signature.split(" "))


def message_id(delivery_id: int) -> str:
    """The `webhook-id` of a delivery: the same on every attempt, so receivers can drop a
    repeat."""
    return f"msg_{delivery_id}"


def retry_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None
                ) -> timedelta:
    """Exponential backoff with jitter after `attempts` failed tries: a random time in
    [half, all] of min(cap, base * 2^(attempts-1)) seconds, so receivers that came back
    are not hit by every sender at once."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def already_exists(status_code: int | None, excerpt: str | None, statuses: Sequence[int],
                   code: str | None) -> bool:
    """Whether a portal's answer says it has the dossier already: one of `statuses` (409
    by default), or a JSON body one of whose top-level values is `code`."""
    if status_code is not None and status_code in statuses:
        return True
    if not code or not excerpt:
        return False
    try:
        body = json.loads(excerpt)
    except ValueError:
        return False
    return isinstance(body, dict) and code in [v for v in body.values() if isinstance(v, str)]


def expired(created_at: datetime, now: datetime, max_age: float) -> bool:
    """A delivery older than `max_age` seconds is given up (dead)."""
    return now - created_at >= timedelta(seconds=max_age)
