"""The staff's side of a conversation: reply (and resolve), notes no buyer sees, assign, resolve,
reopen. Each is audited; a reply and a resolution reach the buyer by mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import utcnow, write_transaction
from delivery.mail.pace import schedule_drain
from feedback.support.clock import shop_hours, support_clock
from feedback.support.conversations import SupportError, add_message, clean_body
from feedback.support.due import answered, owe_answer, resolution_values
from feedback.support.models import Conversation
from feedback.support.notify import owe_support_mail


def reply(
    session: Session, actor: Actor, conversation_id: int, body: str, resolve: bool = False, now: datetime | None = None
) -> None:
    now, body = now or utcnow(), clean_body(body)
    with write_transaction(session):
        conversation = _conversation(session, conversation_id)
        message = add_message(session, conversation_id, "staff", actor.email, body, now, None)
        answered(conversation, message, shop_hours(session), now)
        conversation.status = "waiting_buyer"
        if not conversation.assignee:
            conversation.assignee = actor.email
        audit(session, actor.email, "support.conversation.replied", f"conversation:{conversation.number}")
        owe_support_mail(session, conversation_id, f"reply:{message.id}")
    schedule_drain()
    if resolve:
        resolve_conversation(session, actor, conversation_id, now)


def note(session: Session, actor: Actor, conversation_id: int, body: str, now: datetime | None = None) -> None:
    """For staff only: never on a buyer's page, never in a buyer's mail."""
    with write_transaction(session):
        conversation = _conversation(session, conversation_id)
        add_message(session, conversation_id, "note", actor.email, clean_body(body), now or utcnow(), None)
        audit(session, actor.email, "support.conversation.noted", f"conversation:{conversation.number}")


def resolve_conversation(session: Session, actor: Actor, conversation_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    with write_transaction(session):
        conversation = _conversation(session, conversation_id)
        number = conversation.number
        values = resolution_values(conversation.created_at, actor.email, shop_hours(session), now)
        moved = session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status != "resolved")
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            audit(session, actor.email, "support.conversation.resolved", f"conversation:{number}")
        survey = session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.survey_sent_at.is_(None))
            .values(survey_sent_at=now)
        ).rowcount
        if survey:  # asked once per conversation, however often it is resolved
            owe_support_mail(session, conversation_id, "survey")
    if survey:
        schedule_drain()
    return bool(moved)


def reopen(
    session: Session, actor: Actor, conversation_id: int, deadlines: dict[str, int], now: datetime | None = None
) -> bool:
    now = now or utcnow()
    with write_transaction(session):
        conversation = _conversation(session, conversation_id)
        if conversation.status != "resolved":
            return False
        conversation.status, conversation.resolved_at = "open", None
        conversation.reopened += 1
        owe_answer(conversation, support_clock(session, deadlines), now)
        audit(session, actor.email, "support.conversation.reopened", f"conversation:{conversation.number}")
    return True


def assign(session: Session, actor: Actor, conversation_id: int, assignee: str) -> None:
    with write_transaction(session):
        conversation = _conversation(session, conversation_id)
        conversation.assignee = assignee.strip().lower()
        audit(
            session,
            actor.email,
            "support.conversation.assigned",
            f"conversation:{conversation.number}",
            detail=conversation.assignee or "unassigned",
        )


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise SupportError("conversation", "there is no conversation %(id)s", id=conversation_id)
    return conversation
