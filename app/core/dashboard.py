"""The owner's figures at a glance, per day over the last weeks, as plain series for charts."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.models import Order
from app.core.money import exponent

PAID_STATES = ("paid", "awaiting_stock", "delivered", "refunded")


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[str, float]]  # (label, value), oldest first
    unit: str = ""


def daily_series(session: Session, days: int = 14) -> list[Series]:
    """Orders paid, sales (in the shop's most used currency) and median delivery seconds, per day."""
    since = utcnow() - timedelta(days=days - 1)
    rows = session.execute(
        select(Order.paid_at, Order.delivered_at, Order.amount_minor, Order.currency).where(
            Order.paid_at >= since.replace(hour=0, minute=0, second=0, microsecond=0), Order.status.in_(PAID_STATES)
        )
    ).all()
    currency = Counter(r.currency for r in rows).most_common(1)[0][0] if rows else "USD"
    labels = [(since.date() + timedelta(days=n)) for n in range(days)]
    orders: Counter[date] = Counter()
    sales: Counter[date] = Counter()
    waits: dict[date, list[float]] = {}
    for r in rows:
        day = r.paid_at.date()
        orders[day] += 1
        sales[day] += r.amount_minor if r.currency == currency else 0
        if r.delivered_at:
            waits.setdefault(day, []).append((r.delivered_at - r.paid_at).total_seconds())
    return [
        Series("Orders paid", _points(labels, orders)),
        Series(
            f"Sales ({currency})",
            _points(labels, {d: v / 10 ** exponent(currency) for d, v in sales.items()}),
            currency,
        ),
        Series("Paid to delivered, median", _points(labels, {d: statistics.median(w) for d, w in waits.items()}), "s"),
    ]


def _points(labels: list[date], values) -> list[tuple[str, float]]:
    return [(day.strftime("%m-%d"), _number(values.get(day, 0))) for day in labels]


def _number(value) -> float | int:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value
