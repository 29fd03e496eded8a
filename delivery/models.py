"""The record of every mail, keyed by what it is about, so a retried job never sends it twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.core.extensions import db

MAIL_STATUSES = ("pending", "sending", "sent", "failed")  # pending: owed by a delivery, not tried yet


class MailLog(db.Model):
    __tablename__ = "mail_log"
    # The drain reads the owed mail, oldest first, out of a log that keeps every mail ever sent.
    __table_args__ = (Index("ix_mail_log_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # order:12:delivered, low-stock:3:2
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the current attempt began: an attempt still "sending" long after it is one whose sender
    # died (delivery.mail.recover_stalled_mail).
    claimed_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()


# Its state changes go through the table, not the ORM: the ORM's bulk UPDATE machinery cost more
# than the statement itself, on a path every order takes.
MAIL_LOG = MailLog.__table__


def order_mail_key(order_id: int, kind: str) -> str:
    return f"order:{order_id}:{kind}"
