"""The buyer rates the support once, after a resolution, by a POST (a mail scanner's GET cannot)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import write_transaction
from feedback.support.conversations import SupportError
from feedback.support.models import Conversation, Rating
from feedback.text import plain_text


def rate(session: Session, conversation_id: int, score, comment: str = "") -> None:
    comment = plain_text("comment", comment, 2000)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise SupportError("score", "a whole number from 1 to 5")
    try:
        with write_transaction(session):
            if session.get(Conversation, conversation_id).status != "resolved":
                raise SupportError("rating", "possible once the conversation is resolved")
            session.add(Rating(conversation_id=conversation_id, score=score, comment=comment))
    except IntegrityError:
        raise SupportError("rating", "this conversation was rated already; thank you") from None
