"""The ratings that say the support failed someone, with their comments: the list a team reads to
learn from, newest first, each with its conversation and the agent it was assigned to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from feedback.support.models import Conversation, Rating

LOW_SCORES = (2, 3)  # the highest score listed: 1-2 by default, 1-3 on request
LIMIT = 200


@dataclass(frozen=True)
class LowRating:
    score: int
    comment: str
    rated_at: datetime
    number: str  # the conversation, for its page
    kind: str
    agent: str  # the conversation's assignee, "" nobody


def low_ratings(session: Session, days: int, highest: int = 2, now: datetime | None = None) -> list[LowRating]:
    if highest not in LOW_SCORES:
        raise ValueError(f"highest: one of {LOW_SCORES}")
    now = now or utcnow()
    rows = session.execute(
        select(
            Rating.score,
            Rating.comment,
            Rating.created_at,
            Conversation.number,
            Conversation.kind,
            Conversation.assignee,
        )
        .join(Conversation, Conversation.id == Rating.conversation_id)
        .where(Rating.score <= highest, Rating.created_at >= now - timedelta(days=days), Rating.created_at <= now)
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(LIMIT)
    ).all()
    session.rollback()
    return [LowRating(*row) for row in rows]
