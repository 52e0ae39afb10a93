"""The repository's reads and writes of webhook subscriptions, deliveries and attempts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, literal_column, or_, select, update
from sqlalchemy.orm import aliased

from engine.store.hot_path import HotPath
from engine.store.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

_EARLIER = aliased(WebhookDelivery)


def pending(d: Any) -> Any:
    """`d` is pending: the status as a literal, as the partial indexes name it, so that the
    planner may use them with any parameters (a generic plan on PostgreSQL included)."""
    return d.status == literal_column("'pending'")


def finished(d: Any) -> Any:
    return d.status != literal_column("'pending'")


def delivered(d: Any) -> Any:
    return d.status == literal_column("'delivered'")


def _earlier_pending(d: Any) -> Any:
    """An earlier pending delivery of the same dossier to the same subscription exists."""
    return exists().where(_EARLIER.dossier_id == d.dossier_id,
                          _EARLIER.subscription_id == d.subscription_id,
                          pending(_EARLIER), _EARLIER.id < d.id)


class WebhookRows(HotPath):
    def subscription(self, province: str, subscription_id: int, *,
                     lock: bool = False) -> WebhookSubscription | None:
        q = select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.province == province,
            WebhookSubscription.deleted_at.is_(None))
        return self.session.scalar(q.with_for_update() if lock and self.postgresql else q)

    def subscriptions_of(self, owner_id: int) -> Sequence[WebhookSubscription]:
        return self.session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.owner_id == owner_id,
            WebhookSubscription.deleted_at.is_(None)).order_by(WebhookSubscription.id)).all()

    def deliveries(self, subscription_id: int, *, status: str | None, limit: int,
                   offset: int) -> tuple[list[WebhookDelivery], int]:
        """A subscription's log, newest first: its pending rows and its finished ones, each
        read in the order of its own index (ix_webhook_delivery_chain, whose pending rows
        are few, and ix_webhook_delivery_done), the page merged from the two."""
        d = WebhookDelivery
        parts = []  # (condition, order)
        if status in (None, "pending"):
            # Sorted, not read in the order of ids: that order is the table's own, and
            # SQLite would walk the whole table in it to find the few pending rows.
            parts.append((and_(d.subscription_id == subscription_id, pending(d)),
                          (d.id + 0).desc()))
        if status != "pending":
            done = and_(d.subscription_id == subscription_id, finished(d))
            parts.append((and_(done, d.status == status) if status else done, d.id.desc()))
        total, ids = 0, list[int]()
        for where, order in parts:
            total += self.session.scalar(select(func.count()).where(where)) or 0
            ids += self.session.scalars(select(d.id).where(where).order_by(order)
                                        .limit(limit + offset)).all()
        page = sorted(ids, reverse=True)[offset:offset + limit]
        rows = self.session.scalars(select(d).where(d.id.in_(page)).order_by(d.id.desc())
                                    ).all() if page else []
        return list(rows), int(total)

    def attempts(self, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
        found: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
        if delivery_ids:
            for a in self.session.scalars(select(WebhookAttempt).where(
                    WebhookAttempt.delivery_id.in_(delivery_ids)).order_by(
                    WebhookAttempt.delivery_id, WebhookAttempt.number)):
                found[a.delivery_id].append(a)
        return found

    def delivery(self, delivery_id: int, *, lock: bool = False) -> WebhookDelivery | None:
        q = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        return self.session.scalar(q.with_for_update() if lock and self.postgresql else q)

    def has_earlier_pending(self, delivery: WebhookDelivery) -> bool:
        return bool(self.session.scalar(select(_earlier_pending(delivery))))

    def chain_head(self, subscription_id: int, dossier_id: int) -> int | None:
        """The id of the dossier's first pending delivery to the subscription."""
        return self.session.scalar(select(func.min(WebhookDelivery.id)).where(
            WebhookDelivery.dossier_id == dossier_id,
            WebhookDelivery.subscription_id == subscription_id, pending(WebhookDelivery)))

    def claim_due_deliveries(self, due_before: datetime, requeue_before: datetime,
                             now: datetime, limit: int) -> list[int]:
        """Pending deliveries due before `due_before` that head their chain, are not being
        sent and were not queued since `requeue_before`; marked as queued now."""
        d = WebhookDelivery
        q = (select(d.id).where(
            pending(d), d.next_attempt_at <= due_before,
            or_(d.leased_until.is_(None), d.leased_until < now),
            or_(d.queued_at.is_(None), d.queued_at < requeue_before),
            ~_earlier_pending(d)).order_by(d.next_attempt_at).limit(limit))
        if self.postgresql:
            q = q.with_for_update(skip_locked=True, of=d)
        ids = list(self.session.scalars(q).all())
        if ids:
            self.session.execute(update(d).where(d.id.in_(ids)).values(queued_at=now))
        return ids

    def portal_took_before(self, delivery: WebhookDelivery) -> bool:
        """The national portal took another push of the delivery's dossier already (a
        delivered delivery of a `sync-packet` subscription)."""
        sub = WebhookSubscription
        d = WebhookDelivery
        return bool(self.session.scalar(select(exists().where(
            d.dossier_id == delivery.dossier_id, d.subscription_id == sub.id,
            delivered(d), sub.format == "sync-packet",
            d.id != delivery.id))))

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)

    def dead_pending_of(self, subscription_id: int, now: datetime) -> int:
        """Give up every pending delivery of a subscription (it was deleted or disabled)."""
        result: Any = self.session.execute(update(WebhookDelivery).where(and_(
            WebhookDelivery.subscription_id == subscription_id,
            pending(WebhookDelivery))).values(status="dead", finished_at=now,
                                                         next_attempt_at=None))
        return int(result.rowcount or 0)
