"""Orders waiting for stock are fulfilled first come, first served when a batch arrives."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order
from delivery.queues import enqueue_fulfilment


def waiting_orders(session: Session, product_id: int) -> list[int]:
    query = (select(Order.id).where(Order.status == "awaiting_stock", Order.product_id == product_id)
             .order_by(Order.paid_at, Order.id))
    return list(session.scalars(query))


def release_waiting_orders(session: Session, product_id: int) -> int:
    order_ids = waiting_orders(session, product_id)
    session.rollback()
    return enqueue_fulfilment(order_ids)
