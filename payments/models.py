"""The webhook inbox and the payments it recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db


class WebhookEvent(db.Model):
    """Every verified provider event, once: a duplicate delivery hits the unique key and is ignored."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),)


class Payment(db.Model):
    """Money that arrived, whatever it is. A payment that did not pay its order as agreed (a wrong
    amount or currency, or money beyond the payment that paid it) carries a `flag` for staff, who
    accept it (deliver) or refund it: `flag_state` '' (open) -> 'accepted' | 'refunded', once."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    flag: Mapped[str | None] = mapped_column(Text)
    flag_state: Mapped[str] = mapped_column(String(16), default="", server_default="")

    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_payments_provider_reference"),)


class Refund(db.Model):
    """Created before the provider is called, keyed by our idempotency key: a retried job or a second
    click finds this row instead of refunding again.

    requested -> succeeded | pending (the provider is still processing) | manual (paid back outside
    the provider) | failed (refused, or unreachable after every retry; staff retry or settle it).
    """

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    provider_reference: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_refunds_status_created_at", "status", "created_at"),)


class PaymentCheck(db.Model):
    """A checkout the provider can be asked about (reconciliation): one per (provider, reference).

    `next_check_at` is when it is next due, NULL once it is over (the order left the unpaid states,
    its deadline passed, or the provider refused the question); a sweep takes a due check by moving
    it forward, conditionally, so two sweeps never take the same round.
    """

    __tablename__ = "payment_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    rounds: Mapped[int] = mapped_column(default=0)  # answers had, which place it on the schedule
    failures: Mapped[int] = mapped_column(default=0)  # network failures in a row (their backoff)
    last_state: Mapped[str] = mapped_column(String(16), default="")  # paid | pending | failed | error
    last_error: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_payment_checks_provider_reference"),)


class Dispute(db.Model):
    """A chargeback, one per (provider, reference) however often the provider tells of it.

    open -> submitting (staff asked; `evidence` frozen as sent) -> submitted | failed (refused, or
    unreachable after every retry; staff may submit again); won | lost when the provider decides.
    `sending_at` is the claim of the job calling the provider: two runs never call it together.
    """

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64), default="")
    due_by: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")  # JSON of the DisputeEvidence sent
    submissions: Mapped[int] = mapped_column(default=0)  # each one's own idempotency key
    sending_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "reference", name="uq_disputes_provider_reference"),)
