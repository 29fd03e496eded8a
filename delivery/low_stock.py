"""The owner hears once when a product's stock falls to its low-stock threshold."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import Order, Product
from app.settings import Settings
from app.staff import Staff
from delivery.mail import send_once
from delivery.mail_content import SENDER
from delivery.queues import enqueue
from keystore.stock import available_count, crossed_low_stock


def check_after_delivery(session: Session, order_id: int) -> int | None:
    """Enqueue the owner's alert (after commit) when this delivery crossed the threshold."""
    with write_transaction(session):
        product_id = session.scalar(select(Order.product_id).where(Order.id == order_id))
        alert = crossed_low_stock(session, product_id)
    if alert is not None:
        enqueue("notify", "delivery.jobs.send_low_stock_mail", product_id, alert)
    return alert


def send_low_stock_mail(session: Session, settings: Settings, product_id: int, alert: int) -> str:
    def compose() -> EmailMessage:
        product = session.get(Product, product_id)
        left = available_count(session, product_id)
        owners = list(session.scalars(select(Staff.email).where(Staff.role == "owner", Staff.active)))
        message = EmailMessage()
        message["From"], message["Subject"] = SENDER, f"Low stock: {product.name} ({left} left)"
        message["To"] = ", ".join(owners) or SENDER
        message["Message-ID"] = make_msgid(idstring=f"low-stock-{product_id}-{alert}", domain="keyshop.local")
        message.set_content(f"{product.name} has {left} code(s) left (threshold {product.low_stock_threshold}).\n"
                            f"Upload a batch: {settings.base_url}/admin/\n")
        session.rollback()
        return message

    return send_once(session, settings, f"low-stock:{product_id}:{alert}", "low_stock", compose)
