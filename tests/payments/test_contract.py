"""The contract every adapter keeps, run against each one with every provider configured at once:
checkout gives a place to pay; a forged notification changes nothing; a genuine one pays exactly
once, for the order's amount; a refund either goes through or fails visibly, never raises; and no
random request to any webhook endpoint gets a 5xx or changes anything."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from payments import manual, refunds
from payments.models import Payment, WebhookEvent
from payments.registry import providers
from tests.fakes.stripe_api import event, signed
from tests.payments.conftest import (
    MANUAL_INSTRUCTIONS,
    STRIPE_WEBHOOK_SECRET,
    btcpay_env,
    epay_env,
    paypal_env,
    stripe_env,
)
from tests.shop import make_product, sandbox_webhook

PROVIDERS = ["sandbox", "stripe", "paypal", "epay", "btcpay", "manual"]
STAFF = Actor("owner@shop.test", "owner")


@pytest.fixture
def shop_env(shop_env, fake_stripe, fake_paypal, fake_epay, fake_btcpay):
    return {
        **shop_env,
        **stripe_env(fake_stripe),
        **paypal_env(fake_paypal),
        **epay_env(fake_epay),
        **btcpay_env(fake_btcpay),
        "MANUAL_PAYMENT_INSTRUCTIONS": MANUAL_INSTRUCTIONS,
    }


@pytest.fixture
def fakes(fake_stripe, fake_paypal, fake_epay, fake_btcpay):
    return {"stripe": fake_stripe, "paypal": fake_paypal, "epay": fake_epay, "btcpay": fake_btcpay}


def _checkout(app, client, method: str) -> dict:
    make_product(app, price="68.00", currency="CNY")
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "c@example.com", "method": method})
    assert answer.status_code == 201, answer.text
    return answer.json


def _notification(app, client, fakes, method: str, order: dict, forged: bool):
    """A genuine (or forged) 'paid' notification in the provider's own protocol, as a callable that
    sends it: calling it twice is the provider delivering the same notification twice."""
    number, url = order["number"], order["payment"]["url"]
    if method == "sandbox":
        headers, body = sandbox_webhook(app, number, 6800, currency="CNY")
        body = body.replace(b"6800", b"6801") if forged else body
        return lambda: client.post("/webhooks/sandbox", data=body, headers=headers)
    if method == "stripe":
        session = fakes["stripe"].pay(url.rsplit("/", 1)[1])
        headers, body = signed(
            event("checkout.session.completed", session), "whsec_forged" if forged else STRIPE_WEBHOOK_SECRET
        )
        return lambda: client.post("/webhooks/stripe", data=body, headers=headers)
    if method == "paypal":
        paypal_id = parse_qs(urlsplit(url).query)["token"][0]
        fakes["paypal"].approve(paypal_id)
        headers, body = fakes["paypal"].webhook(
            "CHECKOUT.ORDER.APPROVED", {"id": paypal_id}, webhook_id="WH-FORGED" if forged else None
        )
        return lambda: client.post("/webhooks/paypal", data=body, headers=headers)
    if method == "epay":
        assert requests.get(url, timeout=5).status_code == 200
        notify = fakes["epay"].notify(fakes["epay"].submitted[-1], key="forged" if forged else None)
        return lambda: client.get("/webhooks/epay", query_string=notify)
    if method == "btcpay":
        [invoice_id] = fakes["btcpay"].invoices
        headers, body = fakes["btcpay"].webhook(invoice_id, "InvoiceSettled", secret="forged" if forged else None)
        return lambda: client.post("/webhooks/btcpay", data=body, headers=headers)
    if forged:
        return lambda: client.post("/webhooks/manual", data=json.dumps({"order": number, "paid": True}))
    return lambda: _confirm_by_staff(app, number)


def _confirm_by_staff(app, number: str) -> None:
    with app.app_context():
        manual.confirm_payment(db.session, STAFF, number, "STMT-1")
        db.session.remove()


def _state(app) -> tuple[list[str], list[tuple[int, str]], int]:
    with app.app_context():
        orders = list(db.session.scalars(select(Order.status).order_by(Order.id)))
        payments = [tuple(p) for p in db.session.execute(select(Payment.amount_minor, Payment.currency))]
        events = db.session.scalar(select(func.count()).select_from(WebhookEvent))
        db.session.remove()
        return orders, payments, events


@pytest.mark.parametrize("method", PROVIDERS)
def test_every_adapter_keeps_the_contract(app, client, fakes, method):
    order = _checkout(app, client, method)
    assert order["payment"]["url"].startswith("http")

    forged = _notification(app, client, fakes, method, order, forged=True)()
    assert 400 <= forged.status_code < 500
    assert _state(app) == (["pending"], [], 0)

    genuine = _notification(app, client, fakes, method, order, forged=False)
    genuine()
    genuine()
    orders, payments, _ = _state(app)
    assert orders == ["paid"] and payments == [(6800, "CNY")]

    with app.app_context():
        adapter = providers()[method]
        refund_id, _ = refunds.request_refund(db.session, STAFF, 1, 1000, key=f"contract-{method}")
        outcome = refunds.carry_out(db.session, providers(), refund_id)
        db.session.remove()
    assert outcome == ("succeeded" if adapter.capabilities.refunds else "failed")


def test_every_adapter_describes_itself(app):
    with app.app_context():
        configured = providers()
    assert sorted(configured) == sorted(PROVIDERS)
    for name, adapter in configured.items():
        assert adapter.name == name and adapter.label and adapter.capabilities.methods
        assert adapter.capabilities.refunds or not adapter.capabilities.partial_refunds


HEADER_NAMES = [
    "Stripe-Signature",
    "Keyshop-Signature",
    "BTCPay-Sig",
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-AUTH-ALGO",
    "PAYPAL-CERT-URL",
    "Content-Type",
]
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "order",
                    "amount",
                    "currency",
                    "data",
                    "object",
                    "event_type",
                    "resource",
                    "invoiceId",
                    "trade_status",
                    "money",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)
bodies = st.one_of(st.binary(max_size=300), json_like.map(lambda value: json.dumps(value).encode()))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(PROVIDERS + ["nosuchpay"]),
    body=bodies,
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=5),
    query=st.dictionaries(
        st.sampled_from(["pid", "sign", "money", "out_trade_no", "trade_no", "trade_status", "token", "next"]),
        header_values,
        max_size=6,
    ),
    verb=st.sampled_from(["POST", "GET"]),
)
def test_random_requests_to_webhooks_never_5xx_and_never_change_state(app, client, method, body, headers, query, verb):
    if not _state(app)[0]:
        _checkout(app, client, "sandbox")
    answer = client.open(f"/webhooks/{method}", method=verb, data=body, headers=headers, query_string=query)
    assert answer.status_code < 500, answer.text
    assert _state(app) == (["pending"], [], 0)
