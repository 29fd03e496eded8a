"""For the reconciliation tests: each provider's fake paid without telling us, its late webhook, and
a look at what the shop recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select, update

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order, OrderEvent
from payments.models import Payment, PaymentCheck, WebhookEvent
from tests.fakes.stripe_api import event, signed
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET
from tests.shop import in_app


def _session_id(order: dict) -> str:
    return order["payment"]["url"].rsplit("/", 1)[1]


def _paypal_id(order: dict) -> str:
    return parse_qs(urlsplit(order["payment"]["url"]).query)["token"][0]


def _invoice_id(fakes, order: dict) -> str:
    return next(i for i, inv in fakes.btcpay.invoices.items() if inv["metadata"]["orderId"] == order["number"])


def _stripe_late(client, fakes, order):
    headers, body = signed(
        event("checkout.session.completed", fakes.stripe.sessions[_session_id(order)]), STRIPE_WEBHOOK_SECRET
    )
    return client.post("/webhooks/stripe", data=body, headers=headers)


def _paypal_late(client, fakes, order):
    [capture] = fakes.paypal.orders[_paypal_id(order)]["purchase_units"][0]["payments"]["captures"]
    headers, body = fakes.paypal.webhook("PAYMENT.CAPTURE.COMPLETED", capture)
    return client.post("/webhooks/paypal", data=body, headers=headers)


def _btcpay_pay(fakes, order) -> None:
    fakes.btcpay.invoices[_invoice_id(fakes, order)]["status"] = "Settled"


def _btcpay_late(client, fakes, order):
    headers, body = fakes.btcpay.webhook(_invoice_id(fakes, order), "InvoiceSettled")
    return client.post("/webhooks/btcpay", data=body, headers=headers)


def _epay_pay(fakes, order) -> None:
    assert requests.get(order["payment"]["url"], timeout=5).status_code == 200  # the buyer at the gateway
    fakes.epay.pay(fakes.epay.submitted[-1])


def _epay_late(client, fakes, order):
    return client.get("/webhooks/epay", query_string=fakes.epay.paid[order["number"]])


@dataclass(frozen=True)
class Driver:
    method: str
    currency: str
    pay: Callable  # (fakes, order): the buyer pays at the provider; no webhook is sent
    late_webhook: Callable  # (client, fakes, order) -> the response to the webhook, sent late


DRIVERS = [
    Driver("stripe", "USD", lambda fakes, order: fakes.stripe.pay(_session_id(order)), _stripe_late),
    Driver("paypal", "EUR", lambda fakes, order: fakes.paypal.approve(_paypal_id(order)), _paypal_late),
    Driver("btcpay", "USD", _btcpay_pay, _btcpay_late),
    Driver("epay", "CNY", _epay_pay, _epay_late),
]


def all_fakes(stripe, paypal, epay, btcpay) -> SimpleNamespace:
    return SimpleNamespace(stripe=stripe, paypal=paypal, epay=epay, btcpay=btcpay)


def place_order(client, method: str) -> dict:
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "ann@example.com", "method": method})
    assert answer.status_code == 201, answer.text
    return answer.json


def due_now(app, number: str) -> None:
    """The clock has reached the order's next check (as the schedule's minutes would)."""

    def move():
        order_id = select(Order.id).where(Order.number == number).scalar_subquery()
        db.session.execute(
            update(PaymentCheck)
            .where(PaymentCheck.order_id == order_id)
            .values(next_check_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()

    in_app(app, move)


def the_order(app, number: str) -> Order:
    return in_app(app, lambda: db.session.scalar(select(Order).where(Order.number == number)))


def the_check(app, number: str) -> PaymentCheck:
    return in_app(
        app,
        lambda: db.session.scalar(
            select(PaymentCheck).join(Order, Order.id == PaymentCheck.order_id).where(Order.number == number)
        ),
    )


def actions(app, order_id: int) -> list[str]:
    return in_app(
        app,
        lambda: list(
            db.session.scalars(select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        ),
    )


def count(app, model, order_id: int) -> int:
    return in_app(
        app, lambda: db.session.scalar(select(func.count()).select_from(model).where(model.order_id == order_id))
    )


def recorded(app, order_id: int) -> tuple[int, int]:
    """(payments, inbox events) of the order."""
    return count(app, Payment, order_id), count(app, WebhookEvent, order_id)
