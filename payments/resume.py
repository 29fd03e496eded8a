"""An unpaid order paid after all: the buyer left the provider's page, or the payment was declined,
and comes back to the order page to continue to payment, by the same way of paying or another.

The order is the same (its number, amount and link): no second order to forget, and a payment for
it by either way is matched by its number. Only the way of paying may change; its status never
does here (the inbox moves it when money arrives, a declined order included: failed -> paid).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core import order_states
from app.core.db import write_transaction
from app.core.models import Order, log_order
from payments.base import CheckoutStart, PaymentProvider
from payments.checkout import CheckoutError, checkout_request, start_payment

PAYABLE = order_states.SOURCES["paid"]  # pending, failed: what a payment still moves to paid


def resume_payment(
    session: Session, order_id: int, token: str, method: str, providers: dict[str, PaymentProvider], base_url: str
) -> CheckoutStart:
    """Where the buyer pays the order `token` opens (the caller found it through that token)."""
    provider = providers.get(method)
    if provider is None:
        raise CheckoutError("method", "%(method)r is not offered", method=method)
    with write_transaction(session):
        order = session.get(Order, order_id)
        if order is None or order.status not in PAYABLE:
            raise CheckoutError("order", "this order is not waiting for a payment", status=409)
        if not provider.capabilities.accepts(order.currency):
            raise CheckoutError(
                "method", "%(provider)s does not take %(currency)s", provider=provider.label, currency=order.currency
            )
        if method != order.method:
            _change_method(session, order, method)
        request = checkout_request(order, order.product.name, token, provider, base_url)
    return start_payment(session, provider, request)


def _change_method(session: Session, order: Order, method: str) -> None:
    session.execute(update(Order).where(Order.id == order.id, Order.status.in_(PAYABLE)).values(method=method))
    log_order(session, order.id, "shop.order.method_changed", f"{order.method} -> {method}")
