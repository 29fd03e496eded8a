"""The owner's figures at a glance, per day over the last weeks, as plain series for charts.

Money is charted per currency, never summed across currencies (100 USD and 100 JPY are not 200 of
anything); refunds are their own series (payments.figures), never netted out of the sales."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.models import Order
from app.core.money import exponent

PAID_STATES = ("paid", "awaiting_stock", "delivered", "refunded")
DAYS = 14


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[str, float]]  # (label, value), oldest first
    unit: str = ""  # of the values: "orders", "s", or a currency's code for amounts in its major units

    @property
    def top(self) -> float:
        """The value axis' top: the least 1, 2 or 5 times a power of ten at or above the highest bar."""
        peak = max((value for _, value in self.points), default=0)
        if peak <= 0:
            return 1
        magnitude = 10 ** math.floor(math.log10(peak))
        return _number(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= peak))

    @property
    def ticks(self) -> list[float]:
        return [0, _number(self.top / 2), self.top]


def first_day(days: int = DAYS) -> datetime:
    """Midnight (UTC) of the first day charted."""
    return (utcnow() - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)


def daily_series(session: Session, days: int = DAYS) -> list[Series]:
    """Orders paid, sales per currency (gross: refunds are charted apart) and median delivery seconds."""
    rows = session.execute(
        select(Order.paid_at, Order.delivered_at, Order.amount_minor, Order.currency).where(
            Order.paid_at >= first_day(days), Order.status.in_(PAID_STATES)
        )
    ).all()
    orders: Counter[date] = Counter()
    sales: defaultdict[str, Counter[date]] = defaultdict(Counter)
    waits: dict[date, list[float]] = {}
    for r in rows:
        day = r.paid_at.date()
        orders[day] += 1
        sales[r.currency][day] += r.amount_minor
        if r.delivered_at:
            waits.setdefault(day, []).append((r.delivered_at - r.paid_at).total_seconds())
    labels = day_labels(days)
    return [
        Series("Orders paid", _points(labels, orders), "orders"),
        *money_series("Sales", labels, sales),
        Series("Paid to delivered, median", _points(labels, {d: statistics.median(w) for d, w in waits.items()}), "s"),
    ]


def money_series(title: str, labels: list[date], minor: dict[str, Counter[date]]) -> list[Series]:
    """One series per currency, in its major units ("Sales (EUR)"), currencies in alphabetical order."""
    return [
        Series(
            f"{title} ({currency})",
            _points(labels, {day: amount / 10 ** exponent(currency) for day, amount in minor[currency].items()}),
            currency,
        )
        for currency in sorted(minor)
    ]


def day_labels(days: int = DAYS) -> list[date]:
    start = first_day(days).date()
    return [start + timedelta(days=n) for n in range(days)]


def _points(labels: list[date], values) -> list[tuple[str, float]]:
    return [(day.strftime("%m-%d"), _number(values.get(day, 0))) for day in labels]


def _number(value) -> float:
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value
