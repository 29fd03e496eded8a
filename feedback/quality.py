"""Batch quality for the ranking page. Its rate is the hold's (feedback.complaints): buyers, not
reports, per 100 codes delivered, a buyer being a mailbox (+aliases and case folded) with a
standing report; a batch's figures start again at its last release, as its hold's do, so the
page and the hold agree. The reports themselves are shown beside. Staff release a hold like any
quarantine (keystore.staff_actions.move_batch), which lifts it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.abuse import mailbox
from app.core.models import Product
from feedback.complaints import STANDING, batch_counts
from feedback.models import CodeReport
from keystore.models import SOLD_STATUSES, Batch, Code

Grouping = InstrumentedAttribute[Any]  # a product's, batch's or supplier's column


@dataclass(frozen=True)
class Complaints:
    name: str
    key: int | str  # product id, batch id, or supplier name
    delivered: int
    reports: int  # every report, standing or not
    buyers: int = 0  # distinct mailboxes with a standing report: what the hold counts
    on_hold: bool = False

    @property
    def rate(self) -> float:
        """Buyers reporting per 100 delivered; for display only, decisions compare exact fractions."""
        return 100.0 * self.buyers / self.delivered if self.delivered else 0.0


def ranking(session: Session, by: str) -> list[Complaints]:
    """Products, batches or suppliers, worst complaint rate first."""
    group = {
        "product": (Code.product_id, Product.name),
        "batch": (Code.batch_id, Batch.name),
        "supplier": (Batch.supplier, Batch.supplier),
    }[by]
    delivered, buyers = _delivered(session, group[0]), _buyers(session, group[0])
    reports, names = _reports(session, group[0]), _names(session, *group)
    held = set(session.scalars(select(Batch.id).where(Batch.on_hold))) if by == "batch" else set()
    if by == "batch":  # the hold's own figures, from each batch's last release on
        counts = batch_counts(session, sorted(set(delivered) | set(reports)))
        delivered = {key: count.delivered for key, count in counts.items()}
        buyers = {key: count.reporters for key, count in counts.items()}
    rows = [
        Complaints(
            str(names.get(key, key)), key, delivered.get(key, 0), reports.get(key, 0), buyers.get(key, 0), key in held
        )
        for key in set(delivered) | set(reports)
    ]
    return sorted(rows, key=lambda row: (-row.rate, -row.buyers, -row.reports, str(row.name)))


def _delivered(session: Session, key: Grouping) -> dict:
    return dict(
        session.execute(
            select(key, func.count())
            .select_from(Code)
            .join(Batch, Batch.id == Code.batch_id)
            .where(Code.status.in_(SOLD_STATUSES))
            .group_by(key)
        ).all()
    )


def _reported(key: Grouping, *columns: Any) -> Select:
    return (
        select(key, *columns)
        .select_from(CodeReport)
        .join(Code, Code.id == CodeReport.code_id)
        .join(Batch, Batch.id == Code.batch_id)
    )


def _reports(session: Session, key: Grouping) -> dict:
    return dict(session.execute(_reported(key, func.count()).group_by(key)).all())


def _buyers(session: Session, key: Grouping) -> dict:
    """Distinct mailboxes with a standing report per group, folded as the hold folds them."""
    folded: dict = defaultdict(set)
    for group, email in session.execute(_reported(key, CodeReport.buyer_email).where(STANDING)):
        folded[group].add(mailbox(email))
    return {group: len(mailboxes) for group, mailboxes in folded.items()}


def _names(session: Session, key: Grouping, name: Grouping) -> dict:
    return dict(
        session.execute(
            select(key, name)
            .select_from(Code)
            .join(Batch, Batch.id == Code.batch_id)
            .join(Product, Product.id == Code.product_id)
            .distinct()
        ).all()
    )
