"""Held reports in the team's queue, beside the conversations: each with its decision deadline,
nearest first (the overdue on top), marked due soon or overdue as the sweep tells them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.models import Order, Product
from feedback.held_deadlines import HELD, deadline_state
from feedback.models import CodeReport


@dataclass(frozen=True)
class HeldReport:
    id: int
    order_number: str
    product: str
    held_because: str
    held_at: datetime
    due_at: datetime
    state: str  # waiting | due_soon | overdue


def held_reports(session: Session, now: datetime | None = None, limit: int = 200) -> list[HeldReport]:
    now = now or utcnow()
    rows = session.execute(
        select(CodeReport, Order.number, Product.name)
        .join(Order, Order.id == CodeReport.order_id)
        .join(Product, Product.id == CodeReport.product_id)
        .where(*HELD)
        .order_by(CodeReport.decision_due_at, CodeReport.id)
        .limit(limit)
    ).all()
    return [_held_report(report, number, product, now) for report, number, product in rows]


def _held_report(report: CodeReport, number: str, product: str, now: datetime) -> HeldReport:
    due = report.decision_due_at or now  # HELD: a held report always has its due time
    held_at = report.held_at or due
    state = deadline_state(now, held_at, due)
    return HeldReport(report.id, number, product, report.held_because, held_at, due, state)
