"""Batch quality for the ranking page: complaint rate = reports per 100 codes delivered. Holding a
batch counts its complaints more strictly (feedback.complaints, feedback.quarantine); staff release
it like any quarantine (keystore.staff_actions.move_batch), which lifts the hold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import Product
from feedback.models import CodeReport
from keystore.models import SOLD_STATUSES, Batch, Code


@dataclass(frozen=True)
class Complaints:
    name: str
    key: int | str  # product id, batch id, or supplier name
    delivered: int
    reports: int
    on_hold: bool = False

    @property
    def rate(self) -> float:
        """Reports per 100 delivered; for display only, decisions compare whole numbers."""
        return 100.0 * self.reports / self.delivered if self.delivered else 0.0


def ranking(session: Session, by: str) -> list[Complaints]:
    """Products, batches or suppliers, worst complaint rate first."""
    group = {
        "product": (Code.product_id, Product.name),
        "batch": (Code.batch_id, Batch.name),
        "supplier": (Batch.supplier, Batch.supplier),
    }[by]
    delivered = dict(
        session.execute(
            select(group[0], func.count())
            .select_from(Code)
            .join(Batch, Batch.id == Code.batch_id)
            .where(Code.status.in_(SOLD_STATUSES))
            .group_by(group[0])
        ).all()
    )
    reports = dict(
        session.execute(
            select(group[0], func.count())
            .select_from(CodeReport)
            .join(Code, Code.id == CodeReport.code_id)
            .join(Batch, Batch.id == Code.batch_id)
            .group_by(group[0])
        ).all()
    )
    names = dict(
        session.execute(
            select(group[0], group[1])
            .select_from(Code)
            .join(Batch, Batch.id == Code.batch_id)
            .join(Product, Product.id == Code.product_id)
            .distinct()
        ).all()
    )
    held = set(session.scalars(select(Batch.id).where(Batch.on_hold))) if by == "batch" else set()
    rows = [
        Complaints(str(names.get(key, key)), key, delivered.get(key, 0), reports.get(key, 0), key in held)
        for key in set(delivered) | set(reports)
    ]
    return sorted(rows, key=lambda row: (-row.rate, -row.reports, str(row.name)))
