"""A supplier's scorecard: what their codes cost the shop. Codes delivered and complaint rate (the
ranking's own figures, feedback.quality), the rate month by month, their batches held and released
(keystore quarantine), and the replacements and refunds paid because of their codes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from feedback.models import CodeReport
from feedback.quality import Complaints, ranking
from keystore.models import SOLD_STATUSES, Batch, Code
from payments.models import Refund


class UnknownSupplier(LookupError):
    pass


@dataclass(frozen=True)
class Scorecard:
    totals: Complaints
    months: list[Complaints]  # key: "YYYY-MM", oldest first
    batches: list[tuple[int, str, bool, datetime | None]]  # id, name, on hold, released at
    replaced: int
    refunds: dict[str, tuple[int, int]]  # currency: (how many, minor units)


def scorecard(session: Session, supplier: str) -> Scorecard:
    totals = next((row for row in ranking(session, "supplier") if row.key == supplier), None)
    batches = _batches(session, supplier)
    if totals is None and not batches:
        raise UnknownSupplier(supplier)
    return Scorecard(
        totals or Complaints(supplier, supplier, 0, 0),
        _months(session, supplier),
        batches,
        _replaced(session, supplier),
        _refunds(session, supplier),
    )


def require_supplier(session: Session, supplier: str) -> None:
    """A name no batch carries is no supplier (a typo, or bytes a browser mangled)."""
    if session.scalar(select(Batch.id).where(Batch.supplier == supplier).limit(1)) is None:
        raise UnknownSupplier(supplier)


def _batches(session: Session, supplier: str) -> list[tuple[int, str, bool, datetime | None]]:
    rows = session.execute(
        select(Batch.id, Batch.name, Batch.on_hold, Batch.released_at)
        .where(Batch.supplier == supplier)
        .order_by(Batch.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _months(session: Session, supplier: str) -> list[Complaints]:
    """Delivered and reported per calendar month (UTC): codes by delivery, reports by their date."""
    delivered = Counter(
        _month(when)
        for when in session.scalars(
            select(Code.delivered_at)
            .join(Batch, Batch.id == Code.batch_id)
            .where(Batch.supplier == supplier, Code.status.in_(SOLD_STATUSES), Code.delivered_at.is_not(None))
        )
    )
    reported = Counter(
        when.strftime("%Y-%m") for when in session.scalars(_of_supplier(select(CodeReport.created_at), supplier))
    )
    return [Complaints(month, month, delivered[month], reported[month]) for month in sorted(delivered | reported)]


def _replaced(session: Session, supplier: str) -> int:
    query = _of_supplier(select(func.count()).select_from(CodeReport), supplier)
    return session.scalar(query.where(CodeReport.status == "replaced")) or 0


def _refunds(session: Session, supplier: str) -> dict[str, tuple[int, int]]:
    query = _of_supplier(
        select(Refund.currency, func.count(), func.sum(Refund.amount_minor)).select_from(CodeReport), supplier
    )
    rows = session.execute(
        query.join(Refund, Refund.id == CodeReport.refund_id)
        .where(CodeReport.status == "refunded", Refund.status != "failed")  # a failed one paid nothing
        .group_by(Refund.currency)
    )
    return {currency: (count, int(total)) for currency, count, total in rows}


def _month(when: datetime | None) -> str:
    return when.strftime("%Y-%m") if when else ""  # never blank: the query asks for dated ones only


def _of_supplier(query: Select, supplier: str) -> Select:
    return query.join(Batch, Batch.id == CodeReport.batch_id).where(Batch.supplier == supplier)
