"""Support metrics over a window of days. The definitions are in docs/support-metrics.md."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from feedback.support.models import Conversation, Rating

WINDOWS = (7, 30, 90)
CSAT_WARN, CSAT_ALARM = 85.0, 60.0  # percent of ratings that are 4 or 5, below which
LATE_WARN, LATE_ALARM = 5.0, 45.0  # percent of due conversations answered late, above which


@dataclass(frozen=True)
class SupportMetrics:
    days: int
    first_response_hours: tuple[float | None, float | None]  # median, p90
    resolution_hours: tuple[float | None, float | None]
    due: int
    late: int
    ratings: int
    satisfied: int
    surveys: int
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (warn | alarm, "csat" | "late_rate")

    @property
    def late_rate(self) -> float | None:
        return 100.0 * self.late / self.due if self.due else None

    @property
    def csat(self) -> float | None:
        return 100.0 * self.satisfied / self.ratings if self.ratings else None

    @property
    def survey_response_rate(self) -> float | None:
        return 100.0 * self.ratings / self.surveys if self.surveys else None


def support_metrics(session: Session, days: int, now: datetime | None = None) -> SupportMetrics:
    now = now or utcnow()
    since = now - timedelta(days=days)
    rows = session.execute(
        select(
            Conversation.created_at,
            Conversation.first_due_at,
            Conversation.first_response_at,
            Conversation.resolved_at,
            Conversation.survey_sent_at,
        )
    ).all()
    first = [
        in_hours(r.first_response_at - r.created_at)
        for r in rows
        if since <= r.created_at <= now and r.first_response_at is not None
    ]
    resolved = [in_hours(r.resolved_at - r.created_at) for r in rows if r.resolved_at and since <= r.resolved_at <= now]
    due = [r for r in rows if since <= r.first_due_at <= now]
    late = [r for r in due if r.first_response_at is None or r.first_response_at > r.first_due_at]
    scores = list(session.scalars(select(Rating.score).where(Rating.created_at >= since, Rating.created_at <= now)))
    surveys = sum(1 for r in rows if r.survey_sent_at and since <= r.survey_sent_at <= now)
    metrics = SupportMetrics(
        days,
        median_p90(first),
        median_p90(resolved),
        len(due),
        len(late),
        len(scores),
        sum(1 for s in scores if s >= 4),
        surveys,
    )
    return SupportMetrics(**{**metrics.__dict__, "alerts": _alerts(metrics)})


def _alerts(m: SupportMetrics) -> list[tuple[str, str]]:
    """(level, the measure out of bounds); the page words it with the figures, in the reader's language."""
    alerts = []
    if m.csat is not None and m.csat < CSAT_WARN:
        alerts.append(("alarm" if m.csat < CSAT_ALARM else "warn", "csat"))
    if m.late_rate is not None and m.late_rate > LATE_WARN:
        alerts.append(("alarm" if m.late_rate > LATE_ALARM else "warn", "late_rate"))
    return alerts


def in_hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def median_p90(values: list[float]) -> tuple[float | None, float | None]:
    """p90 by nearest rank: the smallest value at or above 90% of the others."""
    if not values:
        return None, None
    ordered = sorted(values)
    return round(statistics.median(ordered), 2), round(ordered[math.ceil(0.9 * len(ordered)) - 1], 2)
