"""Staff settle a flagged payment: accept it (a reviewed order goes on to delivery) or refund what came.

Both take the order's refund lock, then move the payment's flag out of '' (open) by a conditional
update: whichever decision comes second finds it taken and changes nothing. Owners may always
decide; an agent accepts a short payment only when the shortfall is within the agents' refund
limit (accepting it gives the difference away), and refunds within that limit as any refund.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core import order_states
from app.core.audit import Actor, audit
from app.core.db import utcnow, write_transaction
from app.core.models import Order, log_order
from app.core.shop_settings import setting
from app.core.webhook_outbox import owe_order_event
from payments.models import Payment, Refund
from payments.refund_rules import RefundError, hold_order, refundable
from payments.refunds import add_refund


class ReviewError(ValueError):
    """The decision cannot be taken; the message names the field."""


def accept(session: Session, actor: Actor, number: str) -> int | None:
    """Review -> paid, the flagged payments accepted; the order's id to fulfil after commit, or None
    when there was nothing to accept (a second click, or refunded meanwhile)."""
    with write_transaction(session):
        order = session.execute(
            select(Order.id, Order.status, Order.amount_minor, Order.currency).where(Order.number == number)
        ).first()
        if order is None:
            raise ReviewError("order: no such order")
        hold_order(session, order.id)
        if not actor.is_owner:
            _check_shortfall(session, order)
        if not _take_flags(session, order.id, "accepted") or not order_states.move(
            session, order.id, "accepted", paid_at=utcnow(), review_reason=None
        ):
            session.rollback()
            return None
        log_order(session, order.id, "shop.order.accepted", f"by {actor.email}")
        owe_order_event(session, "order.paid", order.id)
        audit(session, actor.email, "payments.review.accepted", f"order:{number}")
    return order.id


def _take_flags(session: Session, order_id: int, decision: str) -> int:
    return session.execute(
        update(Payment)
        .where(Payment.order_id == order_id, Payment.flag.is_not(None), Payment.flag_state == "")
        .values(flag_state=decision)
    ).rowcount


def _check_shortfall(session: Session, order) -> None:
    payments = session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .where(Payment.order_id == order.id)
        .group_by(Payment.currency)
    ).all()
    if any(currency != order.currency for currency, _ in payments):
        raise ReviewError("currency: a payment in another currency is accepted by an owner only")
    short = order.amount_minor - int(sum(total for _, total in payments))
    limit = int(setting(session, "agent_refund_limit_minor"))
    if short > limit:
        raise ReviewError(
            f"amount: the payment is {short} minor units short, more than an agent may give ({limit}); ask an owner"
        )


def refund_received(session: Session, actor: Actor, payment_id: int) -> tuple[int, bool]:
    """Refund the whole of a flagged payment (what came, in its currency); (refund id, created).
    Enqueue the refund after this returns."""
    key = f"payment-{payment_id}"  # a second click asks for the same refund
    with write_transaction(session):
        existing = session.scalar(select(Refund.id).where(Refund.idempotency_key == key))
        if existing is not None:
            return existing, False
        payment = session.get(Payment, payment_id)
        if payment is None or payment.flag is None:
            raise ReviewError("payment: no flagged payment to refund; use the refund form")
        hold_order(session, payment.order_id)
        if not _take_flag(session, payment_id):
            raise ReviewError(f"payment: already decided ({session.get(Payment, payment_id).flag_state})")
        refund_id, _ = add_refund(
            session,
            actor,
            payment.order_id,
            refundable(session, payment),
            key=key,
            reason=f"refund of what came: {payment.flag}",
            payment_id=payment_id,
        )
        audit(session, actor.email, "payments.review.refunded", f"payment:{payment_id}")
    return refund_id, True


def _take_flag(session: Session, payment_id: int) -> bool:
    return (
        session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.flag_state == "").values(flag_state="refunded")
        ).rowcount
        == 1
    )


__all__ = ["ReviewError", "RefundError", "accept", "refund_received"]
