"""Refunds per day and currency for the owner's dashboard, charted apart from the sales."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.dashboard import DAYS, Series, day_labels, first_day, money_series
from payments.models import Refund

MONEY_BACK = ("succeeded", "manual")  # refunds that paid the buyer back, by the provider or by hand


def refund_series(session: Session, days: int = DAYS) -> list[Series]:
    """Money paid back per day (by when it was settled), one series per currency; none without refunds."""
    rows = session.execute(
        select(Refund.settled_at, Refund.amount_minor, Refund.currency).where(
            Refund.status.in_(MONEY_BACK), Refund.settled_at >= first_day(days)
        )
    ).all()
    refunded: defaultdict[str, Counter[date]] = defaultdict(Counter)
    for row in rows:
        refunded[row.currency][row.settled_at.date()] += row.amount_minor
    return money_series("Refunds", day_labels(days), refunded)
