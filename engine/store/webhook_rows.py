"""The repository's reads and writes of webhook subscriptions, deliveries and attempts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from engine.store.hot_path import HotPath
from engine.store.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

_EARLIER = aliased(WebhookDelivery)


def _earlier_pending(d: Any) -> Any:
    """An earlier pending delivery of the same dossier to the same subscription exists."""
    return exists().where(_EARLIER.subscription_id == d.subscription_id,
                          _EARLIER.dossier_id == d.dossier_id,
                          _EARLIER.status == "pending", _EARLIER.id < d.id)


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
                   offset: int) -> tuple[Sequence[WebhookDelivery], int]:
        q = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        if status:
            q = q.where(WebhookDelivery.status == status)
        total = self.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = self.session.scalars(q.order_by(WebhookDelivery.id.desc())
                                    .limit(limit).offset(offset)).all()
        return rows, int(total)

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
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.dossier_id == dossier_id, WebhookDelivery.status == "pending"))

    def claim_due_deliveries(self, due_before: datetime, requeue_before: datetime,
                             now: datetime, limit: int) -> list[int]:
        """Pending deliveries due before `due_before` that head their chain, are not being
        sent and were not queued since `requeue_before`; marked as queued now."""
        d = WebhookDelivery
        q = (select(d.id).where(
            d.status == "pending", d.next_attempt_at <= due_before,
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
        return bool(self.session.scalar(select(exists().where(
            WebhookDelivery.subscription_id == sub.id, sub.format == "sync-packet",
            WebhookDelivery.dossier_id == delivery.dossier_id,
            WebhookDelivery.status == "delivered", WebhookDelivery.id != delivery.id))))

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)

    def dead_pending_of(self, subscription_id: int, now: datetime) -> int:
        """Give up every pending delivery of a subscription (it was deleted or disabled)."""
        result: Any = self.session.execute(update(WebhookDelivery).where(and_(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == "pending")).values(status="dead", finished_at=now,
                                                         next_attempt_at=None))
        return int(result.rowcount or 0)
