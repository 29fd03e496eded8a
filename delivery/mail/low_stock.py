"""The owner hears once when a product's stock falls to its low-stock threshold: the mail is owed
by the delivering transaction that crossed it (delivery.fulfil), keyed by product and alert."""

from __future__ import annotations

from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Product
from delivery.chat.outbox import listening, owe_chat
from delivery.mail.composers import MailContext, composes
from delivery.mail.log import OwedMail, owe
from delivery.mail.owners import owners_mail
from delivery.notifications.subscriptions import subscribers
from keystore.stock import available_count


def owe_low_stock_mail(session: Session, product_id: int, alert: int) -> str:
    """Owed only when someone is told of low stock (delivery.notifications); told in the chat
    channels receiving it too, under the same key."""
    key = f"low-stock:{product_id}:{alert}"
    chatted = "owed" if _owe_low_stock_chat(session, key, product_id) else ""
    if not subscribers(session, "stock.low"):
        return chatted
    # The key spelled out in owe(): tests/delivery/test_mail_composers.py reads it to find its composer.
    return owe(session, f"low-stock:{product_id}:{alert}", "low_stock") or chatted


def _owe_low_stock_chat(session: Session, key: str, product_id: int) -> bool:
    if not listening(session, "stock.low"):
        return False  # the stock is counted only for a channel that will say it
    name = session.scalar(select(Product.name).where(Product.id == product_id))
    return owe_chat(session, key, "stock.low", {"product": name, "left": available_count(session, product_id)})


@composes("low-stock")
def compose_low_stock_mail(context: MailContext, mail: OwedMail) -> Message:
    session, product_id = context.session, int(mail.about.split(":")[0])
    product = session.get(Product, product_id)
    left, threshold = available_count(session, product_id), product.low_stock_threshold
    return owners_mail(context, mail, "stock.low", "low_stock", product=product.name, left=left, threshold=threshold)
