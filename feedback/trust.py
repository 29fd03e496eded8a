"""The public trust figures: per product and for the whole shop, from what actually happened."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import Product
from feedback.models import CodeReport, Review
from keystore.models import SOLD_STATUSES, Code


@dataclass(frozen=True)
class TrustLine:
    name: str
    delivered: int
    reports: int
    resolved: int
    median_hours_to_resolve: float | None
    rating: float | None
    ratings: int

    @property
    def complaint_rate(self) -> float:
        return 100.0 * self.reports / self.delivered if self.delivered else 0.0

    @property
    def resolved_share(self) -> float | None:
        return 100.0 * self.resolved / self.reports if self.reports else None


def trust_figures(session: Session) -> tuple[list[TrustLine], TrustLine]:
    """One line per active product, and the shop-wide line."""
    products = session.execute(select(Product.id, Product.name).where(Product.active).order_by(Product.name)).all()
    lines = [
        _line(session, name, Code.product_id == pid, CodeReport.product_id == pid, Review.product_id == pid)
        for pid, name in products
    ]
    return lines, _line(session, "All products", True, True, True)


def _line(session: Session, name: str, codes_where, reports_where, reviews_where) -> TrustLine:
    delivered = session.scalar(select(func.count()).where(Code.status.in_(SOLD_STATUSES), codes_where))
    reports = session.execute(select(CodeReport.created_at, CodeReport.resolved_at).where(reports_where)).all()
    hours = [(done - made).total_seconds() / 3600 for made, done in reports if done is not None]
    rating, ratings = session.execute(
        select(func.avg(Review.stars), func.count()).where(reviews_where, Review.hidden.is_(False))
    ).one()
    return TrustLine(
        name,
        delivered,
        len(reports),
        len(hours),
        round(statistics.median(hours), 2) if hours else None,
        round(float(rating), 2) if ratings else None,
        ratings,
    )
