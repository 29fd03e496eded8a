"""Refunds: the core owns their state; adapters only carry out the call.

A Refund row is written first, under a unique idempotency key, and the provider is called with that
key afterwards (in a job, outside any transaction). So a double click, a retried job or a lost
answer can never pay the buyer twice: the provider sees the same key, and the row can move out of
`requested` only once.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import Actor, audit
from app.db import utcnow, write_transaction
from app.shop_settings import setting
from app.models import ORDER_STATES, log_order, move_order
from payments.base import PaymentProvider, ProviderRefused, RefundRequest
from payments.models import Payment, Refund

OPEN = ("requested", "succeeded", "pending", "manual")  # what counts against the refundable amount


class RefundError(ValueError):
    """The refund cannot be asked for; the message names the field."""


def request_refund(session: Session, actor: Actor, order_id: int, amount_minor: int, *, key: str,
                   reason: str = "") -> tuple[int, bool]:
    """Record a refund to make; returns (refund id, created). The same key returns the first refund."""
    try:
        with write_transaction(session):
            return add_refund(session, actor, order_id, amount_minor, key=key, reason=reason)
    except IntegrityError:  # the same key, committed by a concurrent request
        return session.scalar(select(Refund.id).where(Refund.idempotency_key == key)), False


def add_refund(session: Session, actor: Actor, order_id: int, amount_minor: int, *, key: str,
               reason: str = "") -> tuple[int, bool]:
    """The same, inside the caller's write transaction, so a decision and its refund commit together."""
    existing = session.scalar(select(Refund.id).where(Refund.idempotency_key == key))
    if existing is not None:
        return existing, False
    return _new_refund(session, actor, order_id, amount_minor, key, reason).id, True


def _new_refund(session, actor: Actor, order_id: int, amount_minor: int, key: str, reason: str) -> Refund:
    payment = session.scalar(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id.desc())
                             .limit(1).with_for_update())
    if payment is None:
        raise RefundError("order: there is no payment to refund")
    refundable = payment.amount_minor - refunded_amount(session, payment.id)
    if type(amount_minor) is not int or not 0 < amount_minor <= refundable:
        raise RefundError(f"amount: must be a whole number of minor units from 1 to {refundable}")
    limit = int(setting(session, "agent_refund_limit_minor"))
    if not actor.is_owner and amount_minor > limit:
        raise RefundError(f"amount: an agent refunds at most {limit} minor units; ask an owner for more")
    refund = Refund(order_id=order_id, payment_id=payment.id, amount_minor=amount_minor, currency=payment.currency,
                    idempotency_key=key, reason=reason, requested_by=actor.email)
    session.add(refund)
    session.flush()
    log_order(session, order_id, "shop.order.refund_requested", f"{amount_minor} {payment.currency}: {reason}")
    audit(session, actor.email, "payments.refund.requested", f"refund:{refund.id}", reason=reason)
    return refund


def refunded_amount(session: Session, payment_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
        Refund.payment_id == payment_id, Refund.status.in_(OPEN)))


def carry_out(session: Session, providers: dict[str, PaymentProvider], refund_id: int) -> str:
    """Call the provider for a `requested` refund; safe to run twice. ProviderUnavailable rises (the
    job retries with the same key); a refusal fails the refund for staff to see."""
    refund = session.get(Refund, refund_id)
    if refund is None or refund.status != "requested":
        session.rollback()
        return refund.status if refund else "missing"
    payment = session.get(Payment, refund.payment_id)
    request = RefundRequest(payment.reference, refund.amount_minor, refund.currency, refund.idempotency_key,
                            refund.reason)
    adapter = providers.get(payment.provider)
    session.rollback()  # no transaction is held while the provider answers
    try:
        if adapter is None:
            raise ProviderRefused(f"{payment.provider} is not configured any more")
        result = adapter.refund(request)
    except ProviderRefused as exc:
        return settle(session, refund_id, "failed", error=str(exc))
    return settle(session, refund_id, result.state, reference=result.provider_reference)


def settle(session: Session, refund_id: int, state: str, *, reference: str = "", error: str = "") -> str:
    """Move a requested refund to `state`, once; returns the refund's state afterwards."""
    with write_transaction(session):
        moved = _settle(session, refund_id, state, reference, error, ("requested",))
        return state if moved else session.scalar(select(Refund.status).where(Refund.id == refund_id))


def _settle(session, refund_id: int, state: str, reference: str, error: str, expected: tuple[str, ...]) -> bool:
    moved = session.execute(update(Refund).where(Refund.id == refund_id, Refund.status.in_(expected)).values(
        status=state, provider_reference=reference, error=error[:2000], settled_at=utcnow())).rowcount
    if not moved:
        return False
    refund = session.get(Refund, refund_id)
    log_order(session, refund.order_id, f"shop.order.refund_{state}",
              f"{refund.amount_minor} {refund.currency} {reference or error}".strip())
    if state in ("succeeded", "manual"):  # a whole refund marks the order refunded
        _mark_refunded_when_whole(session, refund)
    return True


def _mark_refunded_when_whole(session: Session, refund: Refund) -> None:
    paid = session.scalar(select(Payment.amount_minor).where(Payment.id == refund.payment_id))
    done = session.scalar(select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
        Refund.payment_id == refund.payment_id, Refund.status.in_(("succeeded", "manual"))))
    if done >= paid:
        move_order(session, refund.order_id, tuple(s for s in ORDER_STATES if s != "refunded"), status="refunded")


def retry(session: Session, actor: Actor, refund_id: int) -> bool:
    """Staff send a failed refund again, with its same key."""
    with write_transaction(session):
        moved = session.execute(update(Refund).where(Refund.id == refund_id, Refund.status == "failed")
                                .values(status="requested", error="")).rowcount
        if moved:
            audit(session, actor.email, "payments.refund.retried", f"refund:{refund_id}")
    return bool(moved)


def settle_manually(session: Session, actor: Actor, refund_id: int, note: str) -> str:
    """Staff paid the buyer back outside the provider (bank transfer, cash, crypto). Returns "manual",
    or "already <state>" when the refund had left failed/requested before (a second click)."""
    with write_transaction(session):
        if not _settle(session, refund_id, "manual", "", note, ("failed", "requested")):
            return "already " + session.scalar(select(Refund.status).where(Refund.id == refund_id))
        audit(session, actor.email, "payments.refund.settled_manually", f"refund:{refund_id}", reason=note)
    return "manual"


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)))
