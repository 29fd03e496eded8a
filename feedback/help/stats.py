"""Which articles work: readers, votes, questions asked after reading, and the deflection rate."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.help.models import HelpArticle, HelpEvent, HelpText


@dataclass(frozen=True)
class ArticleStats:
    article_id: int
    slug: str
    title: str
    readers: int = 0
    helpful: int = 0
    not_helpful: int = 0
    conversations: int = 0
    deflected: int = 0

    @property
    def failure_rate(self) -> float:
        """Share of readers who said it did not help or asked us anyway: what the admin sorts by."""
        return (self.not_helpful + self.conversations) / self.readers if self.readers else 0.0


@dataclass(frozen=True)
class Deflection:
    deflected: int  # "this answered my question" while writing to us
    sent: int  # questions sent after suggestions were shown

    @property
    def rate(self) -> float | None:
        attempts = self.deflected + self.sent
        return self.deflected / attempts if attempts else None


def article_stats(session: Session) -> list[ArticleStats]:
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = session.execute(
        select(HelpEvent.article_id, HelpEvent.kind, HelpEvent.value, func.count()).group_by(
            HelpEvent.article_id, HelpEvent.kind, HelpEvent.value
        )
    )
    for article_id, kind, value, count in rows:
        key = {"view": "readers", "vote": value, "conversation": "conversations", "deflected": "deflected"}.get(kind)
        if key:
            counts[article_id][key] += count
    titles: dict[int, dict[str, str]] = {}
    for article_id, locale, title in session.execute(select(HelpText.article_id, HelpText.locale, HelpText.title)):
        titles.setdefault(article_id, {})[locale] = title
    stats = [
        ArticleStats(article.id, article.slug, _title(titles.get(article.id, {})), **counts.get(article.id, {}))
        for article in session.scalars(select(HelpArticle))
    ]
    return sorted(stats, key=lambda s: (-s.failure_rate, -s.readers, s.slug))


def deflection(session: Session, since: datetime | None = None) -> Deflection:
    query = select(HelpEvent.kind, func.count()).where(HelpEvent.kind.in_(("deflected", "sent")))
    if since is not None:
        query = query.where(HelpEvent.created_at >= since)
    counts = dict(session.execute(query.group_by(HelpEvent.kind)).all())
    return Deflection(counts.get("deflected", 0), counts.get("sent", 0))


def _title(titles: dict[str, str]) -> str:
    return titles.get("en") or next(iter(titles.values()), "")
