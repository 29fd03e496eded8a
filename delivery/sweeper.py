"""The sweeper: the database is the source of truth, so whatever a lost job missed is found again."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.models import Order
from delivery.import_sweep import sweep_imports
from delivery.queues import enqueue_fulfilment, head_enqueued_at, redis_connection
from keystore.stock import in_stock

COOLDOWN_SECONDS = 30
CLOCK_SKEW = timedelta(seconds=5)  # between the web's clock (paid_at) and Redis's client's (enqueued_at)


def stuck_orders(session: Session, older_than_seconds: int, queue_head_since: datetime | None = None) -> list[int]:
    """Paid orders not delivered in time, and waiting orders whose product has stock again.
    `queue_head_since`: when the delivery queue's oldest waiting job was enqueued. An order paid
    after it may have its job still in the queue, behind a backlog: it is not stuck, only late."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    if queue_head_since is not None:
        cutoff = min(cutoff, queue_head_since - CLOCK_SKEW)
    paid = session.scalars(
        select(Order.id).where(Order.status == "paid", Order.paid_at <= cutoff).order_by(Order.paid_at)
    )
    waiting = session.scalars(
        select(Order.id).where(Order.status == "awaiting_stock", in_stock(Order.product_id)).order_by(Order.paid_at)
    )
    return list(paid) + list(waiting)


def sweep(session: Session, older_than_seconds: int) -> int:
    """Re-enqueue what no job will deliver. Orders still behind the delivery queue's head are left
    alone: re-enqueued, each would cost a job that finds its order delivered, and during a backlog
    longer than `older_than_seconds` that was work growing with the backlog itself."""
    order_ids = stuck_orders(session, older_than_seconds, head_enqueued_at("delivery"))
    session.rollback()  # end the read before anything else runs on this session
    return enqueue_fulfilment(_not_swept_lately(order_ids, max(COOLDOWN_SECONDS, older_than_seconds)))


def _not_swept_lately(order_ids: list[int], cooldown: int) -> list[int]:
    """An order is re-enqueued at most once per cooldown. Without this, a backlog longer than the
    sweep interval (a burst of sales) was re-enqueued on every sweep, and the duplicates, cheap as
    each is, kept the workers from ever catching up."""
    if not order_ids:
        return []
    try:
        pipe = redis_connection().pipeline(transaction=False)
        for order_id in order_ids:
            pipe.set(f"keyshop:swept:{order_id}", 1, nx=True, ex=cooldown)
        return [order_id for order_id, fresh in zip(order_ids, pipe.execute()) if fresh]
    except RedisError:
        return order_ids  # enqueueing will fail the same way and say so


def sweep_all(session: Session, settings, providers) -> tuple[int, int]:
    """What the periodic sweeper and `keyshop sweep` do: (orders re-enqueued, back-orders expired)."""
    from delivery.backorders import expire_backorders
    from delivery.chat.send import sweep_chat
    from delivery.mail.drain import drain_if_owed_since, recover_stalled_mail
    from delivery.mail.pace import schedule_drain
    from delivery.mail.refunds import sweep_refund_mail
    from delivery.notifications.paid import sweep_paid
    from delivery.queues import sweep_refunds
    from delivery.reconciliation import sweep_reconciliation
    from delivery.refund_stock import sweep_unrevealed
    from delivery.webhooks.send import sweep_webhooks

    recover_stalled_mail(session)
    sweep_chat(session)  # chat messages owed and due whose job was lost
    sweep_webhooks(session)  # webhook messages due again, or left sending by a dead worker
    sweep_refund_mail(session, settings.sweep_after_seconds)  # before the drain below looks for owed mail
    sweep_unrevealed(session)  # refunded orders' codes never shown, back in stock
    sweep_imports(session, settings.sweep_after_seconds)  # lost or killed imports: resumed or failed
    drain_if_owed_since(session, settings.sweep_after_seconds)
    if sweep_paid(session):  # new paid orders and the daily digest, told to staff
        schedule_drain()
    return (
        sweep(session, settings.sweep_after_seconds)
        + sweep_refunds(session, settings.sweep_after_seconds)
        + sweep_reconciliation(session),
        expire_backorders(session, providers, settings.backorder_refund_after_seconds),
    )
