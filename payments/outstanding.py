"""Money that waits on someone: refunds whose job may be lost, refunds stuck or failed for staff, and
payments flagged for a decision. Read-only: the sweeper, the admin and the ledger check read here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.models import Order
from app.core.money import to_major
from app.core.shop_settings import setting
from payments.models import Payment, Refund

STUCK_AFTER_MINUTES = 15  # a requested refund older than this is shown to staff and named by `keyshop check`


def stuck_after(session: Session) -> timedelta:
    """The shop setting `refund_stuck_minutes` when the shop has it, else 15 minutes."""
    try:
        return timedelta(minutes=int(setting(session, "refund_stuck_minutes")))
    except (KeyError, ValueError):
        return timedelta(minutes=STUCK_AFTER_MINUTES)


def requested_refunds(session: Session, older_than_seconds: int) -> list[int]:
    """Requested refunds old enough that their first enqueue, after commit, has happened."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return list(
        session.scalars(
            select(Refund.id).where(Refund.status == "requested", Refund.created_at <= cutoff).order_by(Refund.id)
        )
    )


@dataclass(frozen=True)
class RefundToSee:
    id: int
    number: str
    amount_minor: int
    currency: str
    status: str
    since: datetime
    error: str

    def line(self) -> str:
        return (
            f"refund {self.id} of order {self.number}: {to_major(self.amount_minor, self.currency)} "
            f"{self.currency} {self.status} since {self.since:%Y-%m-%d %H:%M} UTC"
            + (f" ({self.error})" if self.error else "")
        )


def refunds_to_see(session: Session, now: datetime) -> list[RefundToSee]:
    """Requested past the deadline, or failed: each needs a person (send again, retry, settle by hand)."""
    late = now - stuck_after(session)
    rows = session.execute(
        select(
            Refund.id,
            Order.number,
            Refund.amount_minor,
            Refund.currency,
            Refund.status,
            Refund.created_at,
            Refund.settled_at,
            Refund.error,
        )
        .join(Order, Order.id == Refund.order_id)
        .where(((Refund.status == "requested") & (Refund.created_at <= late)) | (Refund.status == "failed"))
        .order_by(Refund.created_at)
    )
    return [
        RefundToSee(r.id, r.number, r.amount_minor, r.currency, r.status, r.settled_at or r.created_at, r.error[:200])
        for r in rows
    ]


def stuck_refunds(session: Session, now: datetime) -> list[str]:
    """For the ledger check: one line per refund stuck past its deadline or failed."""
    return [refund.line() for refund in refunds_to_see(session, now)]


def is_stuck(session: Session, refund: Refund, now: datetime) -> bool:
    return refund.status == "requested" and refund.created_at <= now - stuck_after(session)


@dataclass(frozen=True)
class FlaggedPayment:
    id: int
    number: str
    order_status: str
    amount_minor: int
    currency: str
    flag: str
    at: datetime


def flagged_payments(session: Session) -> list[FlaggedPayment]:
    """Payments staff have not decided on yet (accept, or refund what came)."""
    rows = session.execute(
        select(
            Payment.id,
            Order.number,
            Order.status,
            Payment.amount_minor,
            Payment.currency,
            Payment.flag,
            Payment.created_at,
        )
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.flag.is_not(None), Payment.flag_state == "")
        .order_by(Payment.id)
    )
    return [FlaggedPayment(*row) for row in rows]
