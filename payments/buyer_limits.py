"""A product's daily limit per buyer: what one email address may buy of it in 24 hours.

Only paid orders count. An order left unpaid (the buyer closed the provider's page, or the payment
was declined) must not lock its buyer out of trying again, so checkout counts paid orders only and
tells a buyer early when the paid ones already reach the limit. The limit is enforced when money
arrives: under the limit's lock (app.core.limits), in the transaction that would move the order to
paid, a payment that would take its buyer over the limit sends the order to review instead, where
staff refund it (or accept it, their decision), as with any other payment that cannot be delivered.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.limits import hold
from app.core.models import Order, Product

COUNTED = ("paid", "awaiting_stock", "delivered", "refunded")  # bought: not pending, failed or in review
SCOPE = "daily_limit"


def bought_today(session: Session, product_id: int, email: str, besides: int = 0) -> int:
    """How many of the product this buyer's paid orders of the last 24 hours hold (case folded),
    `besides` the order being paid (a second payment for it must not count it twice)."""
    bought = session.scalar(
        select(func.coalesce(func.sum(Order.quantity), 0)).where(
            Order.product_id == product_id,
            Order.id != besides,
            func.lower(Order.email) == _buyer(email),
            Order.status.in_(COUNTED),
            Order.paid_at >= utcnow() - timedelta(days=1),
        )
    )
    return int(bought or 0)


def over_daily_limit(session: Session, order_id: int) -> str:
    """Inside the payment's write transaction, before the order moves to paid: why this payment
    would take its buyer over the product's limit, or "" when it may count."""
    row = session.execute(
        select(Order.product_id, Order.email, Order.quantity, Product.daily_limit_per_buyer)
        .join(Product, Product.id == Order.product_id)
        .where(Order.id == order_id)
    ).one()
    if not row.daily_limit_per_buyer:
        return ""
    # Held before counting: a concurrent payment by the same buyer waits, then counts this one.
    hold(session, SCOPE, f"{row.product_id}|{_buyer(row.email)}")
    bought = bought_today(session, row.product_id, row.email, besides=order_id)
    if bought + row.quantity <= row.daily_limit_per_buyer:
        return ""
    return f"over the daily limit of {row.daily_limit_per_buyer} per buyer ({bought} already paid in 24 hours)"


def _buyer(email: str) -> str:
    return email.strip().lower()
