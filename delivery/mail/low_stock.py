"""The owner hears once when a product's stock falls to its low-stock threshold."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Order, Product
from app.core.settings import Settings
from delivery.mail.owners import owner_message
from delivery.mail.send import claim_and_send
from delivery.queues import enqueue
from keystore.stock import available_count


def enqueue_alert(session: Session, order_id: int, alert: int) -> None:
    """After the delivering transaction crossed the threshold (see delivery.fulfil.run_fulfilment)."""
    product_id = session.scalar(select(Order.product_id).where(Order.id == order_id))
    session.rollback()
    enqueue("notify", "delivery.jobs.send_low_stock_mail", product_id, alert)


def send_low_stock_mail(session: Session, settings: Settings, product_id: int, alert: int) -> str:
    def compose() -> EmailMessage:
        product = session.get(Product, product_id)
        left = available_count(session, product_id)
        message = owner_message(
            session,
            "low_stock",
            f"low-stock-{product_id}-{alert}",
            product=product.name,
            left=left,
            threshold=product.low_stock_threshold,
            base_url=settings.base_url,
        )
        session.rollback()
        return message

    return claim_and_send(session, settings, f"low-stock:{product_id}:{alert}", "low_stock", compose)
