"""Deleting what is kept only for a while: the answers kept for Idempotency-Key retries and
the webhook deliveries that reached their receiver (with their attempts). Dead letters and
pending deliveries are never deleted here: an operator acts on those."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from engine.store.models import CompletionKey
from engine.store.models_webhooks import WebhookAttempt, WebhookDelivery
from engine.store.webhook_rows import delivered


def purge_completion_keys(session: Session, before: datetime, batch: int) -> int:
    """Delete up to `batch` kept answers created before `before`; how many went."""
    keys = session.execute(select(CompletionKey.principal_id, CompletionKey.key)
                           .where(CompletionKey.created_at < before).limit(batch)).all()
    if keys:
        session.execute(delete(CompletionKey).where(
            tuple_(CompletionKey.principal_id, CompletionKey.key).in_([tuple(k) for k in keys])))
    return len(keys)


def purge_delivered(session: Session, before: datetime, batch: int) -> int:
    """Delete up to `batch` delivered webhook deliveries created before `before`, and their
    attempts; how many deliveries went."""
    ids = list(session.scalars(select(WebhookDelivery.id).where(
        delivered(WebhookDelivery), WebhookDelivery.created_at < before)
        .order_by(WebhookDelivery.created_at).limit(batch)))  # in the order of its index
    if ids:
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)
