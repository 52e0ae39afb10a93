"""Tables of the webhooks: subscriptions, deliveries and their attempts (migrations 0023, 0026, 0033, 0036)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base


class WebhookSubscription(Base):
    """A receiver URL and the events it is sent, for the dossiers of its scope: those a
    client started (`client_id`), or those of one procedure or process of the province, or
    (none of the three: an administrator's push to the national portal) all of them."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscription_province", "province"),
                      Index("ix_webhook_subscription_owner", "owner_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(50))
    owner_id: Mapped[int] = mapped_column(ForeignKey("principals.id"))
    url: Mapped[str] = mapped_column(String(2000))
    # One bit per event type (engine.integration.webhooks.EVENT_TYPES): matched in SQL the
    # same way on both backends, inside the writes of the command that causes the event.
    event_mask: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    procedure_code: Mapped[str | None] = mapped_column(String(100))
    process_key: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too, until then (receivers switch over).
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]  # the receiver answered 410 Gone
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None]
    # `event` or `sync-packet` (engine.integration.webhooks.FORMATS).
    format: Mapped[str] = mapped_column(String(20), default="event",
                                        server_default="event")
    # A sync-packet push's answer to "already exists": exists_status, exists_code,
    # update_method, update_query (engine.services.webhooks.push).
    push_options: Mapped[dict[str, Any] | None]


_DELIVERED = text("status = 'delivered'")
_PENDING = text("status = 'pending'")
_FINISHED = text("status <> 'pending'")


class WebhookDelivery(Base):
    """One event for one subscription: pending until delivered (a 2xx) or dead (past the
    maximum age). Written in the transaction of the change that caused it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The command that causes an event writes its deliveries, one per subscription: the
        # indexes it writes are those of pending rows, each led by something the command's
        # rows share (its dossier; the instant), so that its rows land side by side in each
        # (migration 0036). A dossier's deliveries to a subscription go out in order: the
        # head of the chain is its pending delivery of lowest id.
        Index("ix_webhook_delivery_chain", "dossier_id", "subscription_id", "id",
              postgresql_where=_PENDING, sqlite_where=_PENDING),
        Index("ix_webhook_delivery_due", "next_attempt_at",
              postgresql_where=_PENDING, sqlite_where=_PENDING),
        # Only finished rows, which a worker makes: a subscription's log, the purge's age,
        # the national portal's earlier pushes of a dossier.
        Index("ix_webhook_delivery_done", "subscription_id", "id",
              postgresql_where=_FINISHED, sqlite_where=_FINISHED),
        Index("ix_webhook_delivery_age", "created_at", postgresql_where=_DELIVERED,
              sqlite_where=_DELIVERED),
        Index("ix_webhook_delivery_taken", "dossier_id", "subscription_id",
              postgresql_where=_DELIVERED, sqlite_where=_DELIVERED))
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    # The maximum age counts from here: the event, or the last redelivery asked for.
    retries_since: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    # When a job to send it was last queued (the sweep re-queues after a while).
    queued_at: Mapped[datetime | None]
    # A worker is sending it until then: others leave it alone (a worker killed while
    # sending holds it no longer than that).
    leased_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """One try of a delivery: when, the receiver's status code (None: no answer, see
    `error`), and the first characters of its answer."""

    __tablename__ = "webhook_attempts"
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"),
                                             primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    response_excerpt: Mapped[str | None] = mapped_column(String(1000))
    duration_ms: Mapped[int]
