"""How a conversation stands against its deadlines now: breached, at risk, or simply due; and the
filters that list the conversations at risk and those past a deadline (the inbox's views)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from app.core.db import utcnow
from feedback.support.models import Conversation as C

STANDINGS = ("breached", "at_risk", "due")


def standing(conversation: C, now: datetime | None = None) -> str:
    """The worst of its binding deadlines (the answer owed, the resolution): "" when none binds."""
    now = now or utcnow()
    resolution = (conversation.resolution_due_at, conversation.resolution_warn_at)
    bindings = [(conversation.reply_due_at, conversation.reply_warn_at)]
    bindings += [resolution] if conversation.status != "resolved" else []
    found = [_standing(due, warn, now) for due, warn in bindings if due is not None]
    return min(found, key=STANDINGS.index, default="")


def _standing(due: datetime, warn: datetime | None, now: datetime) -> str:
    if due < now:
        return "breached"
    return "at_risk" if warn is not None and warn <= now else "due"


def breached_filter(now: datetime) -> ColumnElement[bool]:
    return or_(C.reply_due_at < now, and_(C.status != "resolved", C.resolution_due_at < now))


def at_risk_filter(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(C.reply_warn_at <= now, C.reply_due_at >= now),
        and_(C.status != "resolved", C.resolution_warn_at <= now, C.resolution_due_at >= now),
    )
