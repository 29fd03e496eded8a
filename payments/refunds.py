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

from app.core import order_states
from app.core.audit import Actor, audit
from app.core.db import utcnow, write_transaction
from app.core.models import log_order
from app.core.money import amount_text
from app.core.webhook_outbox import owe_order_event
from payments.base import PaymentProvider, ProviderRefused, RefundRequest
from payments.models import Payment, Refund
from payments.refund_rules import OPEN, RefundError, check, hold_order, payment_to_refund, refunded_amount

__all__ = [
    "OPEN",
    "RefundError",
    "refunded_amount",
    "request_refund",
    "add_refund",
    "carry_out",
    "settle",
    "retry",
    "settle_manually",
    "refunds_of",
]


def request_refund(
    session: Session,
    actor: Actor,
    order_id: int,
    amount_minor: int,
    *,
    key: str,
    reason: str = "",
    payment_id: int | None = None,
) -> tuple[int, bool]:
    """Record a refund to make; returns (refund id, created). The same key returns the first refund."""
    try:
        with write_transaction(session):
            return add_refund(session, actor, order_id, amount_minor, key=key, reason=reason, payment_id=payment_id)
    except IntegrityError:  # the same key, committed by a concurrent request
        return session.scalar(select(Refund.id).where(Refund.idempotency_key == key)), False


def add_refund(
    session: Session,
    actor: Actor,
    order_id: int,
    amount_minor: int,
    *,
    key: str,
    reason: str = "",
    payment_id: int | None = None,
) -> tuple[int, bool]:
    """The same, inside the caller's write transaction, so a decision and its refund commit together.
    `payment_id`: refund that payment (by default the order's first with something left to refund)."""
    existing = session.scalar(select(Refund.id).where(Refund.idempotency_key == key))
    if existing is not None:
        return existing, False
    return _new_refund(session, actor, order_id, amount_minor, key, reason, payment_id).id, True


def _new_refund(
    session, actor: Actor, order_id: int, amount_minor: int, key: str, reason: str, payment_id: int | None
) -> Refund:
    hold_order(session, order_id)
    payment = payment_to_refund(session, order_id, payment_id)
    check(session, actor, payment, amount_minor)
    refund = Refund(
        order_id=order_id,
        payment_id=payment.id,
        amount_minor=amount_minor,
        currency=payment.currency,
        idempotency_key=key,
        reason=reason,
        requested_by=actor.email,
    )
    session.add(refund)
    session.flush()
    log_order(
        session, order_id, "shop.order.refund_requested", f"{amount_text(amount_minor, payment.currency)}: {reason}"
    )
    audit(session, actor.email, "payments.refund.requested", f"refund:{refund.id}", reason=reason)
    return refund


def carry_out(session: Session, providers: dict[str, PaymentProvider], refund_id: int) -> str:
    """Call the provider for a `requested` refund; safe to run twice. ProviderUnavailable rises (the
    job retries with the same key); a refusal fails the refund for staff to see."""
    refund = session.get(Refund, refund_id)
    if refund is None or refund.status != "requested":
        session.rollback()
        return refund.status if refund else "missing"
    payment = session.get(Payment, refund.payment_id)
    request = RefundRequest(
        payment.reference, refund.amount_minor, refund.currency, refund.idempotency_key, refund.reason
    )
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
    moved = session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status.in_(expected))
        .values(status=state, provider_reference=reference, error=error[:2000], settled_at=utcnow())
    ).rowcount
    if not moved:
        return False
    refund = session.get(Refund, refund_id)
    log_order(
        session,
        refund.order_id,
        f"shop.order.refund_{state}",
        f"{amount_text(refund.amount_minor, refund.currency)} {reference or error}".strip(),
    )
    if state == "failed":
        _owe_refund_failed(session, refund)
    if state in ("succeeded", "manual"):  # a whole refund marks the order refunded
        _mark_refunded_when_whole(session, refund)
    return True


def _owe_refund_failed(session: Session, refund: Refund) -> None:
    """Told each time it fails (staff may retry it): the refund's own amount, beside the order's."""
    about = f"{refund.id}:{utcnow().isoformat()}"
    data = {"id": refund.id, "amount_minor": refund.amount_minor, "currency": refund.currency}
    owe_order_event(session, "refund.failed", refund.order_id, about=about, refund=data)


def _mark_refunded_when_whole(session: Session, refund: Refund) -> None:
    """The order is refunded when every payment it received went back in full: refunding a second,
    duplicate payment leaves the order as it was."""
    done = {
        payment_id: total
        for payment_id, total in session.execute(
            select(Refund.payment_id, func.sum(Refund.amount_minor))
            .where(Refund.order_id == refund.order_id, Refund.status.in_(("succeeded", "manual")))
            .group_by(Refund.payment_id)
        )
    }
    payments = session.execute(select(Payment.id, Payment.amount_minor).where(Payment.order_id == refund.order_id))
    if all(done.get(payment_id, 0) >= amount for payment_id, amount in payments):
        if order_states.move(session, refund.order_id, "refunded"):
            owe_order_event(session, "order.refunded", refund.order_id)


def retry(session: Session, actor: Actor, refund_id: int) -> bool:
    """Staff send a failed refund again, with its same key. A failed refund stopped counting against
    what is refundable, so it is checked again (RefundError) as a new one would be."""
    with write_transaction(session):
        if not _readmit_failed(session, actor, refund_id):
            return False
        session.execute(
            update(Refund).where(Refund.id == refund_id, Refund.status == "failed").values(status="requested", error="")
        )
        log_order(session, session.get(Refund, refund_id).order_id, "shop.order.refund_retried", f"refund {refund_id}")
        audit(session, actor.email, "payments.refund.retried", f"refund:{refund_id}")
    return True


def _readmit_failed(session: Session, actor: Actor, refund_id: int) -> bool:
    """Under the order's refund lock: False unless the refund is failed; RefundError unless it fits."""
    order_id = session.scalar(select(Refund.order_id).where(Refund.id == refund_id))
    if order_id is None:
        return False
    hold_order(session, order_id)
    refund = session.get(Refund, refund_id)
    if refund.status != "failed":
        return False
    check(session, actor, session.get(Payment, refund.payment_id), refund.amount_minor)
    return True


def settle_manually(session: Session, actor: Actor, refund_id: int, note: str) -> str:
    """Staff paid the buyer back outside the provider (bank transfer, cash, crypto). Returns "manual",
    or "already <state>" when the refund had left failed/requested before (a second click)."""
    with write_transaction(session):
        _readmit_failed(session, actor, refund_id)  # a failed one counts again once settled
        if not _settle(session, refund_id, "manual", "", note, ("failed", "requested")):
            status = session.scalar(select(Refund.status).where(Refund.id == refund_id))
            if status is None:
                raise RefundError(f"refund: there is no refund {refund_id}")
            return "already " + status
        audit(session, actor.email, "payments.refund.settled_manually", f"refund:{refund_id}", reason=note)
    return "manual"


def resend(session: Session, actor: Actor, refund_id: int) -> bool:
    """Staff ask for a requested refund's job again (its job was lost); the caller enqueues after
    commit. Safe even if the job was only slow: the job and the provider key make it happen once."""
    with write_transaction(session):
        order_id = session.scalar(select(Refund.order_id).where(Refund.id == refund_id, Refund.status == "requested"))
        if order_id is None:
            return False
        log_order(session, order_id, "shop.order.refund_resent", f"refund {refund_id}")
        audit(session, actor.email, "payments.refund.resent", f"refund:{refund_id}")
    return True


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)))
