"""The team inbox: every conversation in one list, with the filters a small team works by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from feedback.support.models import KINDS, Conversation
from feedback.support.urgency import at_risk_filter, breached_filter

VIEWS = ("waiting_us", "mine", "unassigned", "waiting_buyer", "at_risk", "overdue", "resolved", "all")


def inbox(
    session: Session,
    me: str,
    view: str = "waiting_us",
    kind: str = "",
    locale: str = "",
    now: datetime | None = None,
    limit: int = 200,
) -> list[Conversation]:
    """Most urgent first: the nearest deadline (overdue ones on top), then the oldest."""
    now = now or utcnow()
    where = {
        "waiting_us": [Conversation.status == "open"],
        "mine": [Conversation.assignee == me, Conversation.status != "resolved"],
        "unassigned": [Conversation.assignee == "", Conversation.status != "resolved"],
        "waiting_buyer": [Conversation.status == "waiting_buyer"],
        "at_risk": [at_risk_filter(now)],
        "overdue": [breached_filter(now)],
        "resolved": [Conversation.status == "resolved"],
        "all": [],
    }.get(view, [Conversation.status == "open"])
    if kind in KINDS:
        where.append(Conversation.kind == kind)
    if locale:
        where.append(Conversation.locale == locale)
    query = select(Conversation).where(*where)
    order = [Conversation.reply_due_at.is_(None), Conversation.reply_due_at, Conversation.created_at]
    return list(session.scalars(query.order_by(*order).limit(limit)))


def is_overdue(conversation: Conversation, now: datetime | None = None) -> bool:
    return conversation.reply_due_at is not None and conversation.reply_due_at < (now or utcnow())
