"""After-sale records: reports of codes that do not work, and reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

REPORT_REASONS = ("already_used", "invalid", "wrong_region", "other")
REPORT_STATES = ("open", "replaced", "refunded", "rejected")


class CodeReport(db.Model):
    """A buyer's "this code does not work". One per code: a replacement is a new code, reported anew."""

    __tablename__ = "code_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    buyer_email: Mapped[str] = mapped_column(String(254), index=True)
    # The mailbox the address delivers to (app.core.abuse.mailbox): the per-buyer limits count by it.
    buyer_mailbox: Mapped[str] = mapped_column(String(254), index=True, default="", server_default="")
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    held_because: Mapped[str] = mapped_column(Text, default="")  # why the policy did not settle it
    # Held for the buyer's sake (limits, rejections): counts against its batch only once confirmed.
    suspicious: Mapped[bool] = mapped_column(default=False, server_default=false())
    message: Mapped[str] = mapped_column(Text, default="")  # what the buyer is told on a rejection
    replacement_code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    resolved_by: Mapped[str] = mapped_column(String(254), default="")  # a staff email, or "policy"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column()
    # A held report is staff's work with a deadline (feedback.held_deadlines): when it was held, by
    # when a first decision is due, and the due time its warning and its overdue mail were sent for.
    held_at: Mapped[datetime | None] = mapped_column()
    decision_due_at: Mapped[datetime | None] = mapped_column(index=True)
    due_warned_at: Mapped[datetime | None] = mapped_column()
    overdue_notified_at: Mapped[datetime | None] = mapped_column()


class Review(db.Model):
    """Stars and words on a delivered order, one per order; public unless staff hid it."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    author: Mapped[str] = mapped_column(String(254))  # the masked email, as shown
    stars: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


APPEAL_DECISIONS = ("restored", "kept_hidden")


class ReviewAppeal(db.Model):
    """The author's one appeal against hiding their review (unique per review), and staff's answer."""

    __tablename__ = "review_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decision: Mapped[str] = mapped_column(String(16), default="", server_default="")  # "": waiting
    decided_by: Mapped[str] = mapped_column(String(254), default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column()
