"""Manual payment (bank transfer, cash): the buyer gets the shop's instructions, staff confirm receipt.

A confirmation goes through the same inbox as a provider's webhook (same amount check, same
one-time conditional update), keyed by the order, so confirming twice records one payment.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.models import Order
from payments.base import (
    Capabilities,
    CheckoutRequest,
    CheckoutStart,
    InvalidSignature,
    PaymentEvent,
    PaymentProvider,
    ProviderRefused,
    RefundRequest,
    RefundResult,
)
from payments.inbox import InboxResult, record_events


class ManualProvider(PaymentProvider):
    name = "manual"
    label = "Bank transfer"
    capabilities = Capabilities(refunds=False, methods=("bank_transfer",))
    livemode = True

    def __init__(self, instructions: str):
        self.instructions = instructions

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        return CheckoutStart(request.order_page_url, request.order_number)  # the order page shows the instructions

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]) -> list[PaymentEvent]:
        raise InvalidSignature("manual payments are confirmed by staff in the admin, not by a callback")

    def refund(self, request: RefundRequest) -> RefundResult:
        raise ProviderRefused("a manual payment is paid back by staff; settle this refund by hand once sent")


def confirm_payment(session: Session, actor: Actor, number: str, reference: str) -> InboxResult:
    """Staff saw the money arrive; the caller enqueues fulfilment of `paid_order_ids` afterwards."""
    order = session.scalar(select(Order).where(Order.number == number, Order.method == ManualProvider.name))
    if order is None:
        session.rollback()
        raise ValueError(f"order: {number} is not an order paid by bank transfer")
    event = PaymentEvent(
        event_id=f"manual:{number}",
        kind="paid",
        order_number=number,
        amount_minor=order.amount_minor,
        currency=order.currency,
        provider_reference=reference or f"manual:{number}",
        livemode=True,
    )
    session.rollback()
    result = record_events(session, ManualProvider.name, [event], livemode=True)
    if result.paid_order_ids:
        with write_transaction(session):
            audit(session, actor.email, "payments.manual.confirmed", f"order:{number}", reason=reference)
    return result
