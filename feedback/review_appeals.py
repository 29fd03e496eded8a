"""Due process for a hidden review: its author reads why (the reason staff gave when hiding it),
may appeal once, and staff restore it or keep it hidden. Every step is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import changed_rows, utcnow, write_transaction
from feedback.models import APPEAL_DECISIONS, Review, ReviewAppeal
from feedback.reviews import TEXT_LIMIT, ReviewError
from feedback.text import plain_text


@dataclass(frozen=True)
class WaitingAppeal:
    review_id: int
    author: str
    stars: int
    review_text: str
    hidden_reason: str
    appeal_text: str
    appealed_at: datetime


def appeal_review(session: Session, order_id: int, text: str) -> int:
    """The author's one appeal against hiding the order's review; the appeal's id."""
    text = plain_text("text", text, TEXT_LIMIT)
    if not text:
        raise ReviewError("text", "say why the review should be shown again")
    try:
        with write_transaction(session):
            review = session.scalar(select(Review).where(Review.order_id == order_id))
            if review is None or not review.hidden:
                raise ReviewError("review", "only a hidden review can be appealed")
            appeal = ReviewAppeal(review_id=review.id, text=text)
            session.add(appeal)
            session.flush()  # a second appeal meets the unique review_id here
            audit(
                session, f"buyer:{review.author}", "feedback.review.appealed", f"review:{review.id}", detail=text[:200]
            )
            return appeal.id
    except IntegrityError:
        raise ReviewError("review", "a review can be appealed once, and this one was") from None


def decide_appeal(session: Session, actor: Actor, review_id: int, decision: str) -> bool:
    """Restore the review or keep it hidden, once; False when the appeal was decided already."""
    if decision not in APPEAL_DECISIONS:
        raise ReviewError("decision", "must be one of %(choices)s", choices=", ".join(APPEAL_DECISIONS))
    with write_transaction(session):
        decided = changed_rows(
            session,
            update(ReviewAppeal)
            .where(ReviewAppeal.review_id == review_id, ReviewAppeal.decision == "")
            .values(decision=decision, decided_by=actor.email, decided_at=utcnow()),
        )
        if not decided:
            return False
        if decision == "restored":
            session.execute(update(Review).where(Review.id == review_id).values(hidden=False, hidden_reason=""))
        audit(session, actor.email, f"feedback.review.appeal_{decision}", f"review:{review_id}")
    return True


def appeal_of(session: Session, review_id: int) -> ReviewAppeal | None:
    return session.scalar(select(ReviewAppeal).where(ReviewAppeal.review_id == review_id))


def waiting_appeals(session: Session, limit: int = 100) -> list[WaitingAppeal]:
    """Appeals staff have not decided, oldest first."""
    rows = session.execute(
        select(Review, ReviewAppeal)
        .join(ReviewAppeal, ReviewAppeal.review_id == Review.id)
        .where(ReviewAppeal.decision == "")
        .order_by(ReviewAppeal.created_at)
        .limit(limit)
    )
    return [WaitingAppeal(r.id, r.author, r.stars, r.text, r.hidden_reason, a.text, a.created_at) for r, a in rows]
