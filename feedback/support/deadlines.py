"""Overdue conversations: the assignee and the staff told of overdue conversations (by default the
owners) are told once per deadline missed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from delivery.chat.outbox import owe_chat
from delivery.mail.pace import schedule_drain
from delivery.notifications.subscriptions import subscribers
from feedback.support.models import Conversation
from feedback.support.notify import owe_support_mail


def notify_overdue(session: Session, _older_than_seconds: int = 0, now: datetime | None = None) -> int:
    """A sweep (see delivery.periodic): how many conversations newly went past their deadline."""
    now = now or utcnow()
    late = session.execute(
        select(Conversation.id, Conversation.reply_due_at, Conversation.assignee).where(
            Conversation.reply_due_at < now,
            or_(
                Conversation.overdue_notified_at.is_(None), Conversation.overdue_notified_at < Conversation.reply_due_at
            ),
        )
    ).all()
    session.rollback()
    told = 0
    for conversation_id, due, assignee in late:
        with write_transaction(session):  # once per deadline, even with several sweepers
            moved = session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    Conversation.reply_due_at == due,
                    or_(Conversation.overdue_notified_at.is_(None), Conversation.overdue_notified_at < due),
                )
                .values(overdue_notified_at=due)
            ).rowcount
            if moved and (assignee or subscribers(session, "conversation.overdue")):
                owe_support_mail(session, conversation_id, f"overdue:{due.isoformat()}")
            if moved:  # the chat channels receiving it too, whoever is assigned
                key = f"conversation:{conversation_id}:overdue:{due.isoformat()}"
                owe_chat(session, key[:120], "conversation.overdue", {"conversation": f"#{conversation_id}"})
        told += moved
    if told:
        schedule_drain()
    return told
