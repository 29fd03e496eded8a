"""The merchant's webhook endpoints and their outbox: an endpoint (its URL and secrets sealed with the
keyring), one message per endpoint and event (its webhook-id stable across every attempt, so the
receiver can drop a repeat), and each attempt as the delivery log staff read. The core owns the
tables because the events are owed where they happen, payments' transactions included; sending is
delivery.webhooks' business."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "dropped")


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_sealed: Mapped[str] = mapped_column(Text)  # may carry a token in its path or query
    url_hint: Mapped[str] = mapped_column(String(120))  # what staff see: scheme, host and the path's last characters
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[str] = mapped_column(Text)  # the event types it receives, comma-separated
    enabled: Mapped[bool] = mapped_column(default=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    # During a rotation the previous secret signs too, until then (messages carry both signatures)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookMessage(db.Model):
    __tablename__ = "webhook_messages"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "key", name="uq_webhook_messages_endpoint_key"),
        Index("ix_webhook_messages_endpoint_status", "endpoint_id", "status"),
        Index("ix_webhook_messages_endpoint_sequence", "endpoint_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # the order of occurrence
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    message_id: Mapped[str] = mapped_column(String(40), unique=True)  # the webhook-id header: msg_<random>
    key: Mapped[str] = mapped_column(String(120))  # the event's own key (order.paid:12): owed once
    event: Mapped[str] = mapped_column(String(40))
    # Messages of one sequence (one order's) go in the order they were owed: a later one waits while
    # an earlier one is pending or sending. None: no order to keep.
    sequence: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON sent, every attempt alike
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()  # after a failed attempt, owed again from then on
    claimed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("webhook_messages.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column()  # None: no answer (refused, timed out)
    response_excerpt: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
