"""The record of mail sent per order and kind, so a retried job never sends the same mail twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import db

MAIL_STATUSES = ("sending", "sent", "failed")


class MailLog(db.Model):
    __tablename__ = "mail_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(32))  # delivered, awaiting_stock
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (UniqueConstraint("order_id", "kind", name="uq_mail_log_order_kind"),)
