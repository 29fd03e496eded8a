"""New paid orders, told by the sweeper rather than on the paid path (which stays as fast as it
was): each order paid in the last hour to the members told each time and the chat channels, and the day before's orders,
counted and summed per currency, to the members told once a day, by the first sweep of the day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product
from app.core.money import format_money
from delivery.chat.models import ChatMessage
from delivery.chat.outbox import listening
from delivery.mail.log import MailLog
from delivery.notifications.subscriptions import subscribers
from delivery.notifications.tell import tell

WINDOW = timedelta(hours=1)
BATCH = 200  # a sweep's worth; the next sweep tells the rest
PREFIX = "event:order.paid:"


def tell_paid_orders(session: Session, now: datetime | None = None) -> int:
    """Owes the mail of each order paid within the hour that has none yet; how many were owed."""
    if not subscribers(session, "order.paid") and not listening(session, "order.paid"):
        session.rollback()
        return 0
    rows = session.execute(_untold_since((now or utcnow()) - WINDOW)).all()
    session.rollback()
    owed = 0
    for order_id, number, product, amount, currency in rows:
        with write_transaction(session):
            told = tell(
                session,
                "order.paid",
                str(order_id),
                number=number,
                product=product,
                amount=format_money(amount, currency),
                amount_minor=amount,  # a chat message sums a burst's orders per currency
                currency=currency,
            )
        owed += bool(told)
    return owed


def _untold_since(since: datetime) -> Select:
    """Orders paid since then told neither by mail nor in chat (found by the key both share), a batch a sweep."""
    key = literal(PREFIX) + cast(Order.id, String)
    told = exists().where(MailLog.key == key) | exists().where(ChatMessage.key == key)
    return (
        select(Order.id, Order.number, Product.name, Order.amount_minor, Order.currency)
        .join(Product, Product.id == Order.product_id)
        .where(Order.paid_at >= since, ~told)
        .order_by(Order.paid_at, Order.id)
        .limit(BATCH)
    )


def tell_digest(session: Session, now: datetime | None = None) -> str:
    """The day before's digest, once ("owed"), when someone wants it; "" otherwise."""
    day = (now or utcnow()).date() - timedelta(days=1)
    key = f"event:order.paid.digest:{day.isoformat()}"
    if session.scalar(select(MailLog.id).where(MailLog.key == key)) or not subscribers(session, "order.paid", "digest"):
        session.rollback()
        return ""
    count, totals = day_totals(session, day)
    session.rollback()
    with write_transaction(session):
        return tell(
            session, "order.paid", day.isoformat(), mode="digest", day=day.isoformat(), count=count, totals=totals
        )


def day_totals(session: Session, day: date) -> tuple[int, list[str]]:
    """How many orders were paid on `day` (UTC), and their sums, one per currency (never added up)."""
    start = datetime.combine(day, time.min)
    rows = session.execute(
        select(Order.currency, func.count(), func.sum(Order.amount_minor))
        .where(Order.paid_at >= start, Order.paid_at < start + timedelta(days=1))
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return sum(n for _c, n, _s in rows), [f"{format_money(int(s), c)} ({n})" for c, n, s in rows]


def sweep_paid(session: Session, _older_than_seconds: int = 0) -> int:
    """What the sweeper runs: the new paid orders, then the digest."""
    owed = tell_paid_orders(session)
    return owed + bool(tell_digest(session))
