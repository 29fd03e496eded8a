"""Conversations, their messages (a staff note is a message no buyer ever sees), ratings, templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

KINDS = ("presale", "problem", "service")
TOPICS = {  # what the buyer picks; the kind follows from it
    "question": "presale",
    "refund": "problem",
    "defective_code": "problem",
    "missing_code": "problem",
    "order_status": "service",
    "change_email": "service",
    "invoice": "service",
}
STATES = ("open", "waiting_buyer", "resolved")  # open: the shop owes the next answer
AUTHORS = ("buyer", "staff", "note")


class Conversation(db.Model):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # shown to people: C-…
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)  # the buyer's secret link, hashed
    kind: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    assignee: Mapped[str] = mapped_column(String(254), default="", index=True)  # a staff email, "" unassigned
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    first_due_at: Mapped[datetime] = mapped_column()  # the deadline of the first staff reply
    first_response_at: Mapped[datetime | None] = mapped_column()  # set once: a reopening does not reset it
    reply_due_at: Mapped[datetime | None] = mapped_column(index=True)  # the deadline now owed, None if none
    overdue_notified_at: Mapped[datetime | None] = mapped_column()  # for the reply_due_at it was sent for
    # Business-time deadlines (feedback/support/clock.py): since when the answer now due is owed,
    # when it is at risk, and the reply_due_at the at-risk notice went for.
    reply_owed_since: Mapped[datetime | None] = mapped_column()
    reply_warn_at: Mapped[datetime | None] = mapped_column(index=True)
    reply_warned_at: Mapped[datetime | None] = mapped_column()
    # The resolution deadline runs from the opening and stays (a reopening does not restart it);
    # None: the kind has no resolution target. Its notices, like the reply's, name the deadline sent for.
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_warned_at: Mapped[datetime | None] = mapped_column()
    resolution_notified_at: Mapped[datetime | None] = mapped_column()
    resolved_by: Mapped[str] = mapped_column(String(254), default="")  # who resolved it last
    resolution_minutes: Mapped[int | None] = mapped_column()  # business minutes, opening to latest resolution
    resolved_at: Mapped[datetime | None] = mapped_column()  # the latest resolution; cleared on reopening
    reopened: Mapped[int] = mapped_column(default=0)
    survey_sent_at: Mapped[datetime | None] = mapped_column()


class Message(db.Model):
    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_kind: Mapped[str] = mapped_column(String(8))  # buyer | staff | note
    author: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A staff reply that answered what was owed: "first" or "next" response, the business minutes the
    # buyer waited for it (measured when sent, in the hours of that day) and the deadline it had.
    response: Mapped[str] = mapped_column(String(8), default="", index=True)
    response_minutes: Mapped[int | None] = mapped_column()
    response_due_at: Mapped[datetime | None] = mapped_column()


class Attachment(db.Model):
    """An image a buyer sent; kept in the database so every web host can serve it."""

    __tablename__ = "conversation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("conversation_messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Rating(db.Model):
    """The buyer's rating of the support, once per conversation."""

    __tablename__ = "conversation_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ReplyTemplate(db.Model):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)  # placeholders: {order_number} {product} {buyer_name}
