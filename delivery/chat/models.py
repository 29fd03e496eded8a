"""A chat channel (an Apprise URL, sealed with the keyring: it holds the app's token) and the
outbox of what each channel is owed, one row per channel and event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "dropped")


class ChatChannel(db.Model):
    __tablename__ = "chat_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url_sealed: Mapped[str] = mapped_column(Text)  # key id, nonce and ciphertext (see channels.seal_url)
    url_hint: Mapped[str] = mapped_column(String(80))  # what staff see: the scheme and the last characters
    events: Mapped[str] = mapped_column(Text)  # the event names it receives, comma-separated
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last message went (or was tried): the next waits out the window (pace.WINDOW)
    last_sent_at: Mapped[datetime | None] = mapped_column()


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "key", name="uq_chat_messages_channel_key"),
        Index("ix_chat_messages_status_channel", "status", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("chat_channels.id"))
    key: Mapped[str] = mapped_column(String(120), index=True)  # the event's own key (event:order.paid:12): told once
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text, default="")  # the event's values, as JSON
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()  # after a failed attempt, owed again from then on
    claimed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
