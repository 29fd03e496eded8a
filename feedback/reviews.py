"""Reviews: stars and words from the buyer of a delivered order, one per order, editable for a while.
A refunded order's buyer may review too: leaving them out would skew the rating up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import utcnow, write_transaction
from app.core.errors import BuyerError
from app.core.models import Order
from app.core.webhook_outbox import owe_order_event
from feedback.models import Review
from feedback.text import mask_email, plain_text

TEXT_LIMIT = 2000
EDITABLE_DAYS = 30
REVIEWABLE = ("delivered", "refunded")


class ReviewError(BuyerError):
    """The review cannot be taken; the message names the field."""


@dataclass(frozen=True)
class ReviewLine:
    id: int
    author: str
    stars: int
    text: str
    reply: str
    created_at: datetime


@dataclass(frozen=True)
class Rating:
    average: float | None  # None before the first visible review
    count: int


def write_review(session: Session, order_id: int, stars, text: str = "") -> int:
    """Create the order's review, or change it within EDITABLE_DAYS of writing it."""
    stars, text = _stars(stars), plain_text("text", text, TEXT_LIMIT)
    try:
        with write_transaction(session):
            order = session.get(Order, order_id)
            if order is None or order.status not in REVIEWABLE:
                raise ReviewError("order", "only a delivered or refunded order can be reviewed")
            review = session.scalar(select(Review).where(Review.order_id == order_id))
            if review is None:
                review = Review(order_id=order_id, product_id=order.product_id, author=mask_email(order.email))
                session.add(review)
            elif utcnow() - review.created_at > timedelta(days=EDITABLE_DAYS):
                raise ReviewError("review", "can be changed for %(days)s days after it was written", days=EDITABLE_DAYS)
            created = review.id is None
            review.stars, review.text, review.updated_at = stars, text, utcnow()
            session.flush()
            if created:
                owe_order_event(
                    session, "review.created", order_id, about=str(review.id), review_id=review.id, stars=stars
                )
            return review.id
    except IntegrityError:  # the same order's review, written at the same moment
        raise ReviewError("review", "written twice at once; reload the page") from None


def review_of_order(session: Session, order_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.order_id == order_id))


def product_reviews(session: Session, product_id: int, limit: int = 50) -> tuple[Rating, list[ReviewLine]]:
    visible = (Review.product_id == product_id, Review.hidden.is_(False))
    average, count = session.execute(select(func.avg(Review.stars), func.count()).where(*visible)).one()
    rows = session.scalars(select(Review).where(*visible).order_by(Review.created_at.desc()).limit(limit))
    lines = [ReviewLine(r.id, r.author, r.stars, r.text, r.reply, r.created_at) for r in rows]
    return Rating(round(float(average), 2) if count else None, count), lines


def hide_review(session: Session, actor: Actor, review_id: int, reason: str, hidden: bool = True) -> None:
    """Hide (for fraud, say) with a recorded reason, or show again; the average follows."""
    reason = plain_text("reason", reason, TEXT_LIMIT)
    if hidden and not reason:
        raise ReviewError("reason", "say why the review is hidden (it is kept in the audit log)")
    with write_transaction(session):
        moved = session.execute(
            update(Review)
            .where(Review.id == review_id, Review.hidden.is_(not hidden))
            .values(hidden=hidden, hidden_reason=reason if hidden else "")
        ).rowcount
        if moved:
            audit(
                session,
                actor.email,
                "feedback.review.hidden" if hidden else "feedback.review.shown",
                f"review:{review_id}",
                reason=reason,
            )


def reply_to_review(session: Session, actor: Actor, review_id: int, reply: str) -> None:
    reply = plain_text("reply", reply, TEXT_LIMIT)
    with write_transaction(session):
        if not session.execute(update(Review).where(Review.id == review_id).values(reply=reply)).rowcount:
            raise ReviewError("review", "there is no review %(id)s", id=review_id)
        audit(session, actor.email, "feedback.review.replied", f"review:{review_id}", detail=reply[:200])


def _stars(raw) -> int:
    try:
        stars = int(raw)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ReviewError("stars", "a whole number from 1 to 5")
    return stars
