"""The staff's list of reports: what each is about and who the buyer is, worst waiting first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from app.core.abuse import mailbox
from app.core.models import Order, Product
from feedback.models import CodeReport
from feedback.policy import FLAG_AFTER_REJECTIONS, of_buyer
from keystore.models import Batch


@dataclass(frozen=True)
class BuyerHistory:
    reports: int
    replaced: int
    refunded: int
    rejected: int

    @property
    def flagged(self) -> bool:
        return self.rejected >= FLAG_AFTER_REJECTIONS


@dataclass(frozen=True)
class ReportRow:
    id: int
    status: str
    order_number: str
    product: str
    batch: str
    supplier: str
    buyer: str
    reason: str
    text: str
    held_because: str
    message: str
    resolved_by: str
    created_at: datetime
    unit_price_minor: int  # the default of a refund: one code's share of the order
    currency: str
    history: BuyerHistory


def report_list(session: Session, status: str = "open", limit: int = 100) -> list[ReportRow]:
    rows = _reports_with_their_order(session, status, limit)
    histories = buyer_histories(session, {row[0].buyer_email for row in rows})
    return [
        ReportRow(
            r.id,
            r.status,
            number,
            product,
            batch,
            supplier,
            r.buyer_email,
            r.reason,
            r.text,
            r.held_because,
            r.message,
            r.resolved_by,
            r.created_at,
            amount // quantity,
            currency,
            histories[r.buyer_email],
        )
        for r, number, amount, quantity, currency, product, batch, supplier in rows
    ]


def _reports_with_their_order(session: Session, status: str, limit: int) -> Sequence[Row]:
    return session.execute(
        select(
            CodeReport,
            Order.number,
            Order.amount_minor,
            Order.quantity,
            Order.currency,
            Product.name,
            Batch.name,
            Batch.supplier,
        )
        .join(Order, Order.id == CodeReport.order_id)
        .join(Product, Product.id == CodeReport.product_id)
        .join(Batch, Batch.id == CodeReport.batch_id)
        .where(CodeReport.status == status)
        .order_by(CodeReport.created_at if status == "open" else CodeReport.resolved_at.desc())
        .limit(limit)
    ).all()


def buyer_histories(session: Session, emails: set[str]) -> dict[str, BuyerHistory]:
    """Each address's history, which is its mailbox's: the reports of all its aliases, as the policy
    counts them (feedback.policy.of_buyer)."""
    if not emails:
        return {}
    counts = session.execute(
        select(CodeReport.buyer_email, CodeReport.status, func.count())
        .where(or_(*(of_buyer(session, email) for email in emails)))
        .group_by(CodeReport.buyer_email, CodeReport.status)
    ).all()
    by_mailbox: dict[str, Counter[str]] = defaultdict(Counter)
    for email, status, count in counts:
        by_mailbox[mailbox(email)][status] += count
    return {email: _history(by_mailbox[mailbox(email)]) for email in emails}


def _history(c: Counter[str]) -> BuyerHistory:
    return BuyerHistory(sum(c.values()), c["replaced"], c["refunded"], c["rejected"])


def open_report_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(CodeReport.status == "open")) or 0
