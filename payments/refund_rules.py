"""What may be refunded: never more than a payment brought in, and no more per order than an agent may
give back. Checked and then recorded by the caller in one write transaction, after `hold_order`:
every refund of an order (asked for, sent again, settled by hand) queues on the same lock, so the
sums read here include every decision made before, whatever runs at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.limits import hold
from app.core.shop_settings import setting
from payments.models import Payment, Refund

OPEN = ("requested", "succeeded", "pending", "manual")  # what counts against the refundable amount


class RefundError(ValueError):
    """The refund cannot be asked for; the message names the field."""


def hold_order(session: Session, order_id: int) -> None:
    """Inside the write transaction, before anything is counted."""
    hold(session, "order_refunds", str(order_id))


def payment_to_refund(session: Session, order_id: int, payment_id: int | None) -> Payment:
    """The payment named, or the order's first with something left to refund (else its last)."""
    payments = list(session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))
    if payment_id is not None:
        payments = [payment for payment in payments if payment.id == payment_id]
    if not payments:
        raise RefundError(
            "order: there is no payment to refund" if payment_id is None else "payment: not a payment of this order"
        )
    return next((p for p in payments if refundable(session, p) > 0), payments[-1])


def refundable(session: Session, payment: Payment) -> int:
    return payment.amount_minor - refunded_amount(session, payment.id)


def refunded_amount(session: Session, payment_id: int) -> int:
    # int(): PostgreSQL sums a BIGINT column as NUMERIC, which arrives as a Decimal
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                Refund.payment_id == payment_id, Refund.status.in_(OPEN)
            )
        )
    )


def check(session: Session, actor: Actor, payment: Payment, amount_minor: int) -> None:
    """Raise RefundError naming the field unless `amount_minor` may be refunded now."""
    left = refundable(session, payment)
    if type(amount_minor) is not int or not 0 < amount_minor <= left:
        already = payment.amount_minor - left
        raise RefundError(
            f"amount: must be a whole number of minor units from 1 to {max(left, 0)}"
            + (f" ({already} already refunded or on its way)" if already else "")
        )
    if not actor.is_owner:
        _check_agent_limit(session, payment.order_id, amount_minor)


def _check_agent_limit(session: Session, order_id: int, amount_minor: int) -> None:
    """An agent's limit bounds all that is refunded on the order, not each refund: four small
    refunds must not give back what one large one may not."""
    limit = int(setting(session, "agent_refund_limit_minor"))
    already = int(
        session.scalar(
            select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                Refund.order_id == order_id, Refund.status.in_(OPEN)
            )
        )
    )
    if already + amount_minor > limit:
        raise RefundError(
            f"amount: an agent refunds at most {limit} minor units per order "
            f"({already} already refunded or on its way); ask an owner for more"
        )
