"""Sending one delivery, and its log.

A send takes two short transactions around the HTTP request (no row lock, no SQLite write
lock, is held while a receiver answers): the first leases the delivery to this worker, the
second records the attempt and decides what follows: delivered (a 2xx), dead (past the
maximum age, or 410 Gone, which also disables the subscription), or another try later,
after an exponential, jittered delay. A dossier's deliveries to one subscription go out
in order: one waits while an earlier one is pending, and is queued when that one ends.
A push to the national portal that answers "already exists" is sent the update at once, in
the same try (push.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.access import Caller
from engine.errors import InvalidInput, NotFound
from engine.integration import transport
from engine.integration.receivers import ReceiverRefused
from engine.integration.webhooks import already_exists, expired, headers, message_id, retry_delay
from engine.services.context import Context
from engine.services.flow import tallies
from engine.services.webhooks import push
from engine.services.webhooks.subscriptions import check_receiver, find_subscription
from engine.store.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from engine.store.uow import UnitOfWork

DELIVER_ACTOR = "deliver_webhook"
MAX_DELAY = 3600.0  # seconds: the longest wait between two tries
STATUSES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class _Send:
    url: str
    body: bytes
    secrets: list[str]
    on_exists: dict[str, Any] | None  # a push to the national portal (push.py)


def deliver(ctx: Context, delivery_id: int) -> str:
    """Try to send a delivery once. Returns what became of it (`delivered`, `retry`,
    `dead`) or why nothing was sent (`done`, `leased`, `waiting`, `early`). Safe to run
    twice, or in several workers at once."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        send, outcome = _lease(ctx, uow, delivery_id, now)
        uow.commit()
    if send is None:
        return outcome
    answers = [_send(ctx, send, delivery_id, now, send.url, "POST")]
    options = send.on_exists
    if options is not None and already_exists(answers[0].status_code, answers[0].excerpt,
                                              options["exists_status"],
                                              options["exists_code"]):
        answers.append(_send(ctx, send, delivery_id, now, push.update_url(send.url, options),
                             options["update_method"]))
    return _finish(ctx, delivery_id, answers, started=now)


def _send(ctx: Context, send: _Send, delivery_id: int, now: datetime, url: str,
          method: str) -> transport.Answer:
    try:
        # Again: what the name resolves to may have changed. The request goes to the
        # address checked here, not to whatever the name resolves to a moment later.
        address = check_receiver(ctx.settings, url)
        return transport.post(url, send.body,
                              headers(send.secrets, message_id(delivery_id),
                                      int(now.timestamp()), send.body),
                              ctx.settings.webhook_timeout, address=address, method=method)
    except ReceiverRefused as exc:
        return transport.Answer(None, None, exc.message[:500], 0)


def _lease(ctx: Context, uow: UnitOfWork, delivery_id: int, now: datetime
           ) -> tuple[_Send | None, str]:
    d = uow.repo.delivery(delivery_id, lock=True)
    if d is None or d.status != "pending":
        return None, "done"
    if d.leased_until is not None and d.leased_until > now:
        return None, "leased"
    sub = uow.session.get(WebhookSubscription, d.subscription_id)
    assert sub is not None
    if sub.deleted_at is not None or sub.disabled_at is not None:
        uow.repo.dead_pending_of(sub.id, now)
        return None, "dead"
    if uow.repo.has_earlier_pending(d):
        return None, "waiting"  # queued again when the earlier one ends
    if d.next_attempt_at is not None and d.next_attempt_at > now + timedelta(seconds=1):
        return None, "early"  # a retry's own delayed message comes at its time
    # Long enough for the request (connect and read) and the bookkeeping around it.
    d.leased_until = now + timedelta(seconds=2 * ctx.settings.webhook_timeout + 5)
    secrets = [sub.secret]
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > now:
        secrets.append(sub.previous_secret)
    return _Send(sub.url, push.body_of(uow, sub, d), secrets, sub.push_options), "sent"


def _finish(ctx: Context, delivery_id: int, answers: list[transport.Answer], *,
            started: datetime) -> str:
    """Record the try's answers (two where the portal said "already exists" and was sent
    the update); the last one decides."""
    settings = ctx.settings
    queue: tuple[int, float] | None = None
    with ctx.uow() as uow:
        d = uow.repo.delivery(delivery_id, lock=True)
        if d is None or d.status != "pending":
            return "done"
        now = ctx.clock.now()
        d.leased_until = None
        for answer in answers:
            d.attempt_count += 1
            uow.repo.add_attempt(WebhookAttempt(
                delivery_id=d.id, number=d.attempt_count, at=started,
                status_code=answer.status_code, error=answer.error,
                response_excerpt=answer.excerpt, duration_ms=answer.duration_ms))
        code = answers[-1].status_code
        if code is not None and 200 <= code < 300:
            outcome = "delivered"
        elif code == 410:
            outcome = "dead"
            _disable(uow, d.subscription_id, now)
        elif expired(d.retries_since, now, settings.webhook_max_age):
            outcome = "dead"
        else:
            outcome = "retry"
            delay = retry_delay(d.attempt_count, settings.webhook_retry_seconds, MAX_DELAY)
            d.next_attempt_at = now + delay
            d.queued_at = now
            queue = (d.id, delay.total_seconds())
        if outcome != "retry":
            d.status, d.finished_at, d.next_attempt_at = outcome, now, None
            if outcome == "delivered":
                _count_push(uow, d, now)
            uow.repo.flush()
            following = uow.repo.chain_head(d.subscription_id, d.dossier_id)
            if following is not None:
                queue = (following, 0.0)
        uow.commit()
    if queue is not None and ctx.send_job is not None:
        ctx.send_job(DELIVER_ACTOR, {"delivery_id": queue[0]}, queue[1])
    return outcome


def _count_push(uow: UnitOfWork, d: WebhookDelivery, now: datetime) -> None:
    """A push the national portal took counts in the published figures (transparency)."""
    sub = uow.session.get(WebhookSubscription, d.subscription_id)
    if sub is None or sub.format != "sync-packet":
        return
    dossier = uow.repo.dossier_by_id(d.dossier_id)
    if dossier is not None:
        tallies.pushed(uow, dossier, not uow.repo.portal_took_before(d), d.created_at, now)


def _disable(uow: UnitOfWork, subscription_id: int, now: datetime) -> None:
    """The receiver said 410 Gone: the subscription is disabled, nothing more is sent."""
    sub = uow.session.get(WebhookSubscription, subscription_id)
    assert sub is not None
    sub.disabled_at = now
    sub.disabled_reason = "the receiver answered 410 Gone"
    uow.repo.flush()
    uow.repo.dead_pending_of(subscription_id, now)


def delivery_log(ctx: Context, caller: Caller, subscription_id: int, *,
                 status: str | None = None,
                 limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The subscription's deliveries, newest first, each with its attempts."""
    with ctx.uow(readonly=True) as uow:
        find_subscription(uow, caller, subscription_id)
        rows, total = uow.repo.deliveries(subscription_id, status=status, limit=limit,
                                          offset=offset)
        attempts = uow.repo.attempts([d.id for d in rows])
        return [delivery_view(d, attempts[d.id]) for d in rows], total


def redeliver(ctx: Context, caller: Caller, subscription_id: int,
              delivery_id: int) -> dict[str, Any]:
    """Send a delivery again (with the same webhook-id), however it ended; its maximum age
    counts from now."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        sub = find_subscription(uow, caller, subscription_id)
        d = uow.repo.delivery(delivery_id, lock=True)
        if d is None or d.subscription_id != sub.id:
            raise NotFound("no such delivery of this subscription")
        if sub.disabled_at is not None:
            raise InvalidInput("the subscription is disabled (its receiver answered 410 "
                               "Gone); make a new one", errors=[
                                   {"field": "subscription_id", "message": "disabled"}])
        d.status, d.finished_at, d.leased_until = "pending", None, None
        d.retries_since = d.next_attempt_at = d.queued_at = now
        uow.repo.flush()
        head = uow.repo.chain_head(d.subscription_id, d.dossier_id)
        found = delivery_view(d, list(uow.repo.attempts([d.id])[d.id]))
        uow.commit()
    if head is not None and ctx.send_job is not None:
        ctx.send_job(DELIVER_ACTOR, {"delivery_id": head}, 0.0)
    return found


def delivery_view(d: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {"id": d.id, "webhook_id": message_id(d.id), "event_type": d.event_type,
            "status": d.status, "created_at": d.created_at, "finished_at": d.finished_at,
            "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
            "payload": d.payload,
            "attempts": [{"number": a.number, "at": a.at, "status_code": a.status_code,
                          "error": a.error, "response_excerpt": a.response_excerpt,
                          "duration_ms": a.duration_ms} for a in attempts]}
