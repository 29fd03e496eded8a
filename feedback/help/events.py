"""What readers do with articles, counted once per visitor (a random id in their cookie)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from feedback.help.models import EVENTS, HelpEvent

VISITOR = re.compile(r"^[0-9a-f]{32}$")
VOTES = ("helpful", "not_helpful")
READ_BEFORE_ASKING = timedelta(days=1)  # an article read this long before a question "led" to it


def record(session: Session, article_id: int, visitor: str, kind: str, value: str = "") -> bool:
    """True when this visitor's event counted now; a second one does not, but a changed vote is
    kept (the latest opinion is the one that counts)."""
    if kind not in EVENTS or not VISITOR.match(visitor) or (kind == "vote") != (value in VOTES):
        raise ValueError(f"help event: {kind!r} {value!r} from {visitor!r}")
    try:
        with write_transaction(session):
            session.add(HelpEvent(article_id=article_id, visitor=visitor, kind=kind, value=value))
        return True
    except IntegrityError:
        if kind == "vote":
            with write_transaction(session):
                session.execute(
                    update(HelpEvent)
                    .where(HelpEvent.article_id == article_id, HelpEvent.visitor == visitor, HelpEvent.kind == "vote")
                    .values(value=value)
                )
        return False


def question_sent(session: Session, visitor: str, after_suggestions: bool) -> None:
    """A conversation was opened: each article this visitor read in the day before it gets one
    "conversation" (it did not answer them), and a question sent despite suggestions counts
    against deflection."""
    if not VISITOR.match(visitor):
        return
    since = utcnow() - READ_BEFORE_ASKING
    read = list(
        session.scalars(
            select(HelpEvent.article_id).where(
                HelpEvent.visitor == visitor, HelpEvent.kind == "view", HelpEvent.created_at >= since
            )
        )
    )
    session.rollback()
    for article_id in read:
        record(session, article_id, visitor, "conversation")
    if after_suggestions:
        record(session, 0, visitor, "sent")
