"""Orders waiting for stock are fulfilled first come, first served when a batch arrives; one that
waits too long is refunded automatically when its provider can refund, else put before staff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import order_states
from app.core.audit import Actor
from app.core.db import utcnow, write_transaction
from app.core.models import Order, log_order
from app.core.money import format_money
from delivery.mail.pace import schedule_drain
from delivery.notifications.tell import tell
from delivery.queues import enqueue_fulfilment, enqueue_refund
from payments.base import PaymentProvider
from payments.refunds import request_refund

SYSTEM = Actor("system", "owner")


def waiting_orders(session: Session, product_id: int) -> list[int]:
    query = (
        select(Order.id)
        .where(Order.status == "awaiting_stock", Order.product_id == product_id)
        .order_by(Order.paid_at, Order.id)
    )
    return list(session.scalars(query))


def release_waiting_orders(session: Session, product_id: int) -> int:
    order_ids = waiting_orders(session, product_id)
    session.rollback()
    return enqueue_fulfilment(order_ids)


def expire_backorders(session: Session, providers: dict[str, PaymentProvider], older_than_seconds: int) -> int:
    """Orders waiting longer than allowed leave the queue for stock (to review, so late stock cannot
    deliver them as well) and are refunded in full where the provider refunds. Returns how many."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    expired = session.execute(
        select(Order.id, Order.method, Order.amount_minor, Order.currency, Order.number)
        .where(Order.status == "awaiting_stock", Order.paid_at <= cutoff)
        .order_by(Order.paid_at)
    ).all()
    session.rollback()
    for order_id, method, amount, currency, number in expired:
        adapter = providers.get(method)
        refundable = bool(adapter and adapter.capabilities.refunds)
        if _take_out_of_the_queue(session, order_id, refundable, number=number, amount=format_money(amount, currency)):
            refund_id, created = request_refund(
                session, SYSTEM, order_id, amount, key=f"backorder-{order_id}", reason="out of stock for too long"
            )
            if created:
                enqueue_refund(refund_id)
    if expired:
        schedule_drain()  # the staff told of automatic refunds
    return len(expired)


def _take_out_of_the_queue(session: Session, order_id: int, refundable: bool, **told: str) -> bool:
    """Out of the queue for stock, and the staff told when it is refunded automatically."""
    reason = "out of stock for too long: " + ("refunded automatically" if refundable else "refund by hand")
    with write_transaction(session):
        moved = order_states.move(session, order_id, "backorder_expired", review_reason=reason)
        if moved:
            log_order(session, order_id, "shop.order.backorder_expired", reason)
        if moved and refundable:
            tell(session, "refund.automatic", str(order_id), **told)
    return moved and refundable
