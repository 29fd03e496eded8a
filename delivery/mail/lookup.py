"""Lost the order link? It goes by mail to the address the order was placed with, never onto the
page. By number and address: that order's link (an order mail of kind lookup:<hour>). By address
alone: the links of that address's recent orders, in one mail. At most one of each an hour."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from email.message import Message

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product, order_token
from delivery.mail.compose import render_message
from delivery.mail.composers import MailContext, composes
from delivery.mail.log import OwedMail, owe, owe_order_mail
from delivery.mail.pace import schedule_drain

RECENT = timedelta(days=90)
AT_MOST = 10


def owe_lookup_mail(session: Session, email: str, number: str, locale: str) -> bool:
    """Whether a mail is on its way; the caller answers the same either way."""
    hour = f"{utcnow():%Y%m%d%H}"
    with write_transaction(session):
        if number:
            order_id = session.scalar(select(Order.id).where(Order.number == number, _of(email)))
            owed = order_id is not None and owe_order_mail(session, order_id, f"lookup:{hour}")
        else:
            placed = session.scalar(select(exists().where(_of(email), Order.created_at >= utcnow() - RECENT)))
            payload = json.dumps({"email": email, "locale": locale})
            owed = bool(placed) and owe(session, f"lookup:{_digest(email)}:{hour}", "lookup_orders", payload=payload)
    return bool(owed) and schedule_drain()


@composes("lookup")
def compose_lookup_mail(context: MailContext, mail: OwedMail) -> Message:
    asked, base = json.loads(mail.payload), context.settings.base_url
    rows = context.session.execute(
        select(Order.number, Product.name, Order.created_at)
        .join(Product, Product.id == Order.product_id)
        .where(_of(asked["email"]), Order.created_at >= utcnow() - RECENT)
        .order_by(Order.created_at.desc())
        .limit(AT_MOST)
    ).all()
    context.session.rollback()
    orders = [
        {"number": n, "product": p, "date": f"{c:%Y-%m-%d}", "url": f"{base}/o/{order_token(n)}"} for n, p, c in rows
    ]
    return render_message("lookup_orders", asked["email"], asked["locale"], mail.about.replace(":", "-"), orders=orders)


def _of(email: str):
    return func.lower(Order.email) == email


def _digest(email: str) -> str:
    """The key names the address without spelling it out (the payload holds it, for the mail)."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]
