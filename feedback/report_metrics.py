"""How long held reports wait for staff, beside the support times (feedback.support.metrics): from
the hold to the decision, median and p90 in hours, and how many were decided after their deadline
or are still waiting past it. Over the same windows of days as the support metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from feedback.models import CodeReport
from feedback.support.metrics import in_hours, median_p90


@dataclass(frozen=True)
class ReportHandling:
    days: int
    decided: int
    hours: tuple[float | None, float | None]  # median, p90
    due: int  # deadlines that fell in the window
    late: int  # of them, decided after it or still undecided


def report_handling(session: Session, days: int, now: datetime | None = None) -> ReportHandling:
    now = now or utcnow()
    since = now - timedelta(days=days)
    rows = session.execute(
        select(CodeReport.held_at, CodeReport.decision_due_at, CodeReport.resolved_at).where(
            CodeReport.held_at.is_not(None),
            or_(CodeReport.resolved_at >= since, CodeReport.decision_due_at >= since),
        )
    ).all()
    handled = [in_hours(r.resolved_at - r.held_at) for r in rows if r.resolved_at and since <= r.resolved_at <= now]
    due = [r for r in rows if since <= r.decision_due_at <= now]
    late = [r for r in due if r.resolved_at is None or r.resolved_at > r.decision_due_at]
    return ReportHandling(days, len(handled), median_p90(handled), len(due), len(late))
