"""The webhook inbox: record each verified event once and move its order, in one transaction."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import order_states
from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product, log_order
from app.core.money import amount_text
from app.core.webhook_outbox import owe_order_event
from payments.base import PaymentEvent
from payments.buyer_limits import over_daily_limit
from payments.disputes import note_dispute
from payments.models import Payment, WebhookEvent

ORDER_AMOUNT_MAX = 2**31 - 1  # orders.amount_minor is 32-bit: a larger amount never pays an order as agreed
STORABLE = range(-(2**63), 2**63)  # what payments.amount_minor (BIGINT) holds; beyond it no money is real
AFTER_PAYMENT = {
    "refunded": "shop.order.refunded_at_provider",
    "disputed": "shop.order.disputed",
    "dispute_closed": "shop.order.dispute_closed",
}


class UnknownOrder(Exception):
    """The event names an order we do not have; nothing is stored."""


@dataclass
class InboxResult:
    paid_order_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    reconciled: bool = False  # learned by asking the provider (payments.reconcile), not by its callback


def record_events(
    session: Session, provider: str, events: list[PaymentEvent], livemode: bool = False, reconciled: bool = False
) -> InboxResult:
    """`livemode` is the adapter's mode: an event from the other mode never pays an order."""
    result = InboxResult(reconciled=reconciled)
    for event in events:
        try:
            with write_transaction(session):
                _record(session, provider, event, result, livemode)
        except _Duplicate:
            result.duplicates += 1
    return result


class _Duplicate(Exception):
    pass


@dataclass(frozen=True)
class _Order:
    """The columns the inbox reads (a full Order would also load its product)."""

    id: int
    number: str
    status: str
    amount_minor: int
    currency: str


# The common case in one statement: a payment of exactly the order's amount for a payable order of
# a product without a daily limit per buyer (a limited one goes the long way, through its limit).
_UNLIMITED = select(Product.daily_limit_per_buyer).where(Product.id == Order.product_id).scalar_subquery() == 0
_PAY = order_states.statement(
    "paid",
    Order.number == bindparam("_number"),
    Order.amount_minor == bindparam("_amount"),
    Order.currency == bindparam("_currency"),
    _UNLIMITED,
    paid_at=bindparam("_now"),
).returning(Order.id)


def _record(session: Session, provider: str, event: PaymentEvent, result: InboxResult, livemode: bool) -> None:
    """A duplicate fails its inbox insert on the unique key, and the whole transaction rolls back."""
    if _paid_at_once(session, provider, event, result, livemode):
        return
    order = _order_of(session, provider, event)
    if order is None:
        raise UnknownOrder(f"no order {event.order_number or 'paid with ' + event.provider_reference!r}")
    row_id = _store(session, provider, event, order.id, outcome="")
    if event.livemode != livemode:
        outcome = _wrong_mode(session, order, event, result)
    elif event.kind in AFTER_PAYMENT:
        outcome = _note_after_payment(session, provider, order, event)
    else:
        outcome = _apply(session, provider, order, event, result)
    session.execute(update(WebhookEvent).where(WebhookEvent.id == row_id).values(outcome=outcome))


def _paid_at_once(session: Session, provider: str, event: PaymentEvent, result: InboxResult, livemode: bool) -> bool:
    """The paid event of a payable order of the same amount: four statements instead of six. The
    order moves first (on PostgreSQL a concurrent copy of the event waits on its row lock), then
    the inbox insert, which fails for a copy already stored and takes the move back with it."""
    if (
        event.kind != "paid"
        or event.contradicted_by
        or not event.order_number
        or event.livemode != livemode
        or not 0 < event.amount_minor <= ORDER_AMOUNT_MAX
    ):
        return False
    order_id = session.execute(
        _PAY,
        {"_number": event.order_number, "_amount": event.amount_minor, "_currency": event.currency, "_now": utcnow()},
    ).scalar()
    if order_id is None:
        return False
    _store(session, provider, event, order_id, outcome="paid")
    _paid(session, provider, order_id, event, result)
    return True


def _paid(session: Session, provider: str, order_id: int, event: PaymentEvent, result: InboxResult) -> str:
    """What a payment that moved its order to paid leaves behind, whichever path moved it: the
    payment, the order's log line, and the order's id for the fulfilment job after commit."""
    _record_payment(session, provider, order_id, event)
    log_order(session, order_id, "shop.order.paid", f"{provider} {event.event_id}")
    owe_order_event(session, "order.paid", order_id)
    if result.reconciled:
        log_order(session, order_id, "shop.payment.reconciled", f"{provider} said paid; no callback had")
    result.paid_order_ids.append(order_id)
    return "paid"


_STORE = insert(WebhookEvent.__table__).returning(WebhookEvent.id)
_PAYMENT = insert(Payment.__table__)


def _store(session: Session, provider: str, event: PaymentEvent, order_id: int, outcome: str) -> int:
    try:
        return session.execute(
            _STORE,
            {
                "provider": provider,
                "event_id": event.event_id,
                "kind": event.kind,
                "order_id": order_id,
                "payload": json.dumps(asdict(event), default=str),  # a dispute's due date
                "outcome": outcome,
            },
        ).scalar_one()
    except IntegrityError:
        raise _Duplicate from None


def _record_payment(
    session: Session, provider: str, order_id: int, event: PaymentEvent, flag: str | None = None
) -> None:
    """A payment whose (provider, reference) is already recorded is the same money told again (Stripe
    sends several events for one payment intent): a duplicate, and the whole event changes nothing."""
    try:
        session.execute(
            _PAYMENT,
            {
                "order_id": order_id,
                "provider": provider,
                "amount_minor": event.amount_minor,
                "currency": event.currency,
                "reference": event.provider_reference or event.event_id,
                "flag": flag,
                "flag_state": "",
            },
        )
    except IntegrityError:
        raise _Duplicate from None
    if flag:
        log_order(
            session,
            order_id,
            "shop.order.payment_flagged",
            f"{provider} {amount_text(event.amount_minor, event.currency)}: {flag}",
        )


def _order_of(session: Session, provider: str, event: PaymentEvent) -> _Order | None:
    """By number; refunds and disputes may name only the payment, found through its reference."""
    columns = select(Order.id, Order.number, Order.status, Order.amount_minor, Order.currency)
    if event.order_number:
        row = session.execute(columns.where(Order.number == event.order_number)).first()
    elif event.provider_reference:
        row = session.execute(
            columns.join(Payment, Payment.order_id == Order.id).where(
                Payment.provider == provider, Payment.reference == event.provider_reference
            )
        ).first()
    else:
        row = None
    return _Order(*row) if row else None


def _wrong_mode(session: Session, order: _Order, event: PaymentEvent, result: InboxResult) -> str:
    if event.kind != "paid":
        return "ignored"
    reason = f"a {'live' if event.livemode else 'test'}-mode payment for a shop in the other mode"
    order_states.move(session, order.id, "flagged", review_reason=reason)
    log_order(session, order.id, "shop.order.flagged", reason)
    result.problems.append(f"order {order.number} flagged for review: {reason}")
    return "flagged"


def _note_after_payment(session: Session, provider: str, order: _Order, event: PaymentEvent) -> str:
    """A refund made at the provider, or a chargeback (kept as a dispute): staff must see it on the order."""
    outcome = note_dispute(session, provider, order.id, event)
    said = "" if outcome == event.kind else f" ({outcome})"
    log_order(
        session,
        order.id,
        AFTER_PAYMENT[event.kind],
        f"{provider} {event.event_id}: {amount_text(event.amount_minor, event.currency)}{said}",
    )
    return outcome


def _apply(session: Session, provider: str, order: _Order, event: PaymentEvent, result: InboxResult) -> str:
    if event.kind == "failed":
        moved = order_states.move(session, order.id, "failed")
        if moved:
            log_order(session, order.id, "shop.order.failed", f"{provider} {event.event_id}")
        return "failed" if moved else "ignored"
    if event.kind != "paid":
        return "ignored"
    mismatch = event.contradicted_by or _mismatch(order, event) or _over_limit(session, order)
    if mismatch:
        return _flag_mismatch(session, provider, order, event, result, mismatch)
    if not order_states.move(session, order.id, "paid", paid_at=utcnow()):
        return _paid_again(session, provider, order, event)
    return _paid(session, provider, order.id, event, result)


def _flag_mismatch(
    session: Session, provider: str, order: _Order, event: PaymentEvent, result: InboxResult, mismatch: str
) -> str:
    """The money that came is recorded (flagged) so staff can accept it or refund it; an amount no
    column can hold is no real money, and is only told."""
    if event.amount_minor in STORABLE:
        _record_payment(session, provider, order.id, event, flag=mismatch)
    order_states.move(session, order.id, "flagged", review_reason=mismatch)
    log_order(session, order.id, "shop.order.flagged", mismatch)
    result.problems.append(f"order {order.number} flagged for review: {mismatch}")
    return "flagged"


def _paid_again(session: Session, provider: str, order: _Order, event: PaymentEvent) -> str:
    """A distinct payment for an order no longer payable: the buyer paid twice. Recorded and flagged,
    never silently: staff refund it."""
    flag = (
        "another payment while the order is in review"
        if order.status == "review"
        else f"another payment for an order already paid (now {order.status})"
    )
    _record_payment(session, provider, order.id, event, flag=flag)
    log_order(session, order.id, "shop.order.paid_again", f"{provider} {event.event_id} while {order.status}")
    return "already_settled"  # 2xx: the provider's part is done, the rest is staff's


def _over_limit(session: Session, order: _Order) -> str:
    """Only for a payment that would move its order to paid (a second payment is flagged as such)."""
    return over_daily_limit(session, order.id) if order.status in order_states.SOURCES["paid"] else ""


def _mismatch(order: _Order, event: PaymentEvent) -> str:
    if (event.amount_minor, event.currency) == (order.amount_minor, order.currency):
        return ""
    return (
        f"payment of {amount_text(event.amount_minor, event.currency)} does not match "
        f"the order's {amount_text(order.amount_minor, order.currency)}"
    )
