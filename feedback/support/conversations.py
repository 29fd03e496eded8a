"""The buyer's side: open a conversation (from an order, or before buying), follow it by a secret
link, write again (which reopens it)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.errors import BuyerError
from app.core.models import NUMBER_ALPHABET, secret_link_token, token_digest
from app.core.webhook_outbox import owe_webhook
from delivery.mail.pace import schedule_drain
from feedback.support.attachments import Upload, attach
from feedback.support.clock import support_clock
from feedback.support.due import owe_answer, start_deadlines
from feedback.support.models import TOPICS, Conversation, Message
from feedback.support.notify import owe_support_mail
from feedback.text import plain_text

BODY_LIMIT = 5000
TOKEN_MAX_LENGTH = 64


class SupportError(BuyerError):
    """The message cannot be taken; the text names the field."""


@dataclass(frozen=True)
class Opened:
    conversation_id: int
    number: str
    token: str


@dataclass(frozen=True)
class Opening:
    """What the buyer's form gives; order and product come from the page, never from the form."""

    email: str
    topic: str
    body: str
    name: str = ""
    locale: str = "en"
    order_id: int | None = None
    product_id: int | None = None
    subject: str = ""


def open_conversation(
    session: Session,
    deadlines: dict[str, int],  # KEYSHOP_SUPPORT_DEADLINES' hours: the targets the owner did not set
    opening: Opening,
    upload: Upload | None = None,
    now: datetime | None = None,
) -> Opened:
    now, body, email = now or utcnow(), clean_body(opening.body), _email(opening.email)
    if opening.topic not in TOPICS:
        raise SupportError("topic", "must be one of %(choices)s", choices=", ".join(TOPICS))
    kind, number = TOPICS[opening.topic], "C-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    token = conversation_token(number)
    with write_transaction(session):
        conversation = Conversation(
            number=number,
            token_digest=token_digest(token),
            kind=kind,
            topic=opening.topic,
            order_id=opening.order_id,
            product_id=opening.product_id,
            email=email,
            name=plain_text("name", opening.name, 100),
            locale=opening.locale,
            created_at=now,
            subject=(opening.subject or body.splitlines()[0])[:200],
        )
        start_deadlines(conversation, support_clock(session, deadlines), now)
        session.add(conversation)
        session.flush()
        add_message(session, conversation.id, "buyer", email, body, now, upload)
        opened = Opened(conversation.id, conversation.number, token)
        owe_support_mail(session, conversation.id, "opened")
        _owe_created_webhook(session, conversation)
    schedule_drain()
    return opened


def _owe_created_webhook(session: Session, conversation: Conversation) -> None:
    data = {
        "conversation_id": conversation.id, "conversation": conversation.number, "kind": conversation.kind,
        "topic": conversation.topic, "order_id": conversation.order_id, "product_id": conversation.product_id,
    }  # fmt: skip
    owe_webhook(session, "conversation.created", str(conversation.id), data, order_id=conversation.order_id)


def conversation_token(number: str) -> str:
    """The buyer's link: derived from the number under the shop's secret, so mail can rebuild it and
    no job argument or log line ever carries it."""
    return secret_link_token(b"keyshop.conversation-token", number)


def find_conversation(session: Session, token: str) -> Conversation | None:
    """The same None for a wrong, truncated or missing link."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return session.scalar(select(Conversation).where(Conversation.token_digest == token_digest(token)))


def buyer_writes(
    session: Session,
    deadlines: dict[str, int],
    conversation_id: int,
    body: str,
    upload: Upload | None = None,
    now: datetime | None = None,
) -> None:
    """A new message from the buyer: the shop owes an answer again; a resolved conversation reopens."""
    now, body = now or utcnow(), clean_body(body)
    with write_transaction(session):
        conversation = session.get_one(Conversation, conversation_id)
        if conversation.status == "resolved":
            conversation.reopened += 1
            conversation.resolved_at = None
        if conversation.status != "open" or conversation.reply_due_at is None:
            owe_answer(conversation, support_clock(session, deadlines), now)
        conversation.status = "open"
        add_message(session, conversation_id, "buyer", conversation.email, body, now, upload)


def buyer_messages(session: Session, conversation_id: int) -> list[Message]:
    """What the buyer may read: their messages and staff replies. Internal notes never."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.author_kind.in_(("buyer", "staff")))
            .order_by(Message.id)
        )
    )


def add_message(
    session: Session, conversation_id: int, kind: str, author: str, body: str, now: datetime, upload: Upload | None
) -> Message:
    message = Message(conversation_id=conversation_id, author_kind=kind, author=author, body=body, created_at=now)
    session.add(message)
    session.flush()
    if upload is not None:
        attach(session, message.id, upload)
    return message


def clean_body(raw: str) -> str:
    body = plain_text("message", raw, BODY_LIMIT)
    if not body:
        raise SupportError("message", "write what you need (it cannot be empty)")
    return body


def _email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        raise SupportError("email", "an address we can answer to, like you@example.com")
    return email
