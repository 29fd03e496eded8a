"""Stripe through the real `stripe` library against a fake Stripe API on loopback, webhooks signed as
Stripe signs them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order, OrderEvent
from payments.base import ProviderRefused, ProviderUnavailable, RefundRequest
from payments.models import Payment
from payments.registry import providers
from tests.fakes.stripe_api import event, signed
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET as WEBHOOK_SECRET
from tests.payments.conftest import stripe_env
from tests.shop import make_product, order_status


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _checkout(client, quantity=2) -> dict:
    answer = client.post(
        "/api/v1/orders", json={"product": "card", "quantity": quantity, "email": "ann@example.com", "method": "stripe"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json


def _session_id(order: dict) -> str:
    return order["payment"]["url"].rsplit("/", 1)[1]


def _post(client, payload: dict, secret=WEBHOOK_SECRET, timestamp=None, body=None):
    headers, signed_body = signed(payload, secret, timestamp)
    return client.post("/webhooks/stripe", data=body if body is not None else signed_body, headers=headers)


def _order_id(app, number: str) -> int:
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == number))
        db.session.remove()
        return order_id


def _count(app, model, *where) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
        return count


def test_checkout_creates_a_session_through_the_stripe_library(app, client, fake_stripe):
    make_product(app, price="9.99", currency="USD")
    order = _checkout(client, quantity=2)

    [(method, path, params)] = fake_stripe.requests
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["client_reference_id"] == order["number"]
    assert params["metadata"] == {"order_number": order["number"]}
    assert params["payment_intent_data"]["metadata"] == {"order_number": order["number"]}
    assert params["success_url"] == params["cancel_url"] == f"http://127.0.0.1:5000/back/stripe/{order['number']}"
    assert params["line_items"]["0"]["quantity"] == "2"
    assert params["line_items"]["0"]["price_data"] == {
        "currency": "usd",
        "unit_amount": "999",
        "product_data": {"name": "Card"},
    }
    assert sorted(params["payment_method_types"].values()) == ["alipay", "card", "wechat_pay"]
    assert order["payment"]["url"].startswith(fake_stripe.url)


def test_a_currency_without_wallets_offers_cards_only(app, client, fake_stripe):
    make_product(app, price="99", currency="BRL")
    _checkout(client, quantity=1)
    assert list(fake_stripe.requests[0][2]["payment_method_types"].values()) == ["card"]


def test_a_paid_session_pays_the_order_once(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = fake_stripe.pay(_session_id(order))
    payload = event("checkout.session.completed", session)

    assert _post(client, payload).status_code == 200
    assert _post(client, payload).status_code == 200  # Stripe retries: same event id
    order_id = _order_id(app, order["number"])
    assert order_status(app, order_id) == "paid"
    assert _count(app, Payment, Payment.order_id == order_id) == 1
    with app.app_context():
        assert db.session.scalar(select(Payment.reference)) == session["payment_intent"]
        db.session.remove()


def test_an_async_method_pays_only_when_it_succeeds(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = fake_stripe.pay(_session_id(order))
    pending = {**session, "payment_status": "unpaid"}
    order_id = _order_id(app, order["number"])

    assert _post(client, event("checkout.session.completed", pending)).status_code == 200
    assert order_status(app, order_id) == "pending"
    assert _post(client, event("checkout.session.async_payment_succeeded", session)).status_code == 200
    assert order_status(app, order_id) == "paid"


@pytest.mark.parametrize("kind", ["checkout.session.async_payment_failed", "checkout.session.expired"])
def test_failed_and_expired_sessions_fail_the_order(app, client, fake_stripe, kind):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = fake_stripe.sessions[_session_id(order)]
    assert _post(client, event(kind, session)).status_code == 200
    assert order_status(app, _order_id(app, order["number"])) == "failed"


def test_an_expiry_arriving_after_the_payment_changes_nothing(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = fake_stripe.pay(_session_id(order))
    _post(client, event("checkout.session.completed", session))
    assert _post(client, event("checkout.session.expired", session)).status_code == 200
    assert order_status(app, _order_id(app, order["number"])) == "paid"


def test_tampered_unsigned_wrongly_signed_and_stale_events_are_refused(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client)
    payload = event("checkout.session.completed", fake_stripe.pay(_session_id(order)))
    _, body = signed(payload, WEBHOOK_SECRET)

    assert _post(client, payload, body=body.replace(b'"paid"', b'"PAID"')).status_code == 400
    assert _post(client, payload, secret="whsec_someone_else").status_code == 400
    assert _post(client, payload, timestamp=time.time() - 301).status_code == 400
    assert _post(client, payload, timestamp=time.time() + 301).status_code == 400
    assert client.post("/webhooks/stripe", data=body, headers={"Content-Type": "application/json"}).status_code == 400
    assert order_status(app, _order_id(app, order["number"])) == "pending"


@pytest.mark.parametrize(
    "change, reason", [({"amount_total": 1}, "does not match"), ({"currency": "eur"}, "does not match")]
)
def test_another_amount_or_currency_flags_the_order(app, client, fake_stripe, change, reason):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = {**fake_stripe.pay(_session_id(order)), **change}
    answer = _post(client, event("checkout.session.completed", session))
    assert answer.status_code == 422 and reason in answer.text
    assert order_status(app, _order_id(app, order["number"])) == "review"
    assert _count(app, Payment, Payment.flag.is_not(None)) == 1  # what came is recorded, flagged


def test_a_live_event_for_a_test_mode_shop_flags_the_order(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client)
    session = fake_stripe.pay(_session_id(order))
    answer = _post(client, event("checkout.session.completed", session, livemode=True))
    assert answer.status_code == 422 and "live-mode" in answer.text
    assert order_status(app, _order_id(app, order["number"])) == "review"


def test_refunds_and_disputes_at_stripe_are_recorded_on_the_order(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client, quantity=1)
    session = fake_stripe.pay(_session_id(order))
    _post(client, event("checkout.session.completed", session))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 999,
        "amount_refunded": 999,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
        "metadata": {},
    }
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 999,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
    }

    assert _post(client, event("charge.refunded", charge)).status_code == 200
    assert _post(client, event("charge.dispute.created", dispute)).status_code == 200
    order_id = _order_id(app, order["number"])
    with app.app_context():
        actions = list(
            db.session.scalars(select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        )
        db.session.remove()
    assert actions[-2:] == ["shop.order.refunded_at_provider", "shop.order.disputed"]


def test_an_event_type_we_do_not_handle_is_accepted_and_ignored(app, client):
    assert _post(client, event("customer.created", {"id": "cus_1"})).status_code == 200


def test_a_refund_retried_after_a_lost_answer_refunds_once(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client, quantity=1)
    session = fake_stripe.pay(_session_id(order))
    request = RefundRequest(session["payment_intent"], 500, "USD", idempotency_key="refund-41")
    with app.app_context():
        stripe = providers()["stripe"]
        fake_stripe.fail_next_after_work()
        with pytest.raises(ProviderUnavailable):
            stripe.refund(request)
        first = stripe.refund(request)
        again = stripe.refund(request)
    assert first == again and first.state == "succeeded"
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [500]


def test_refunding_more_than_was_paid_is_refused(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client, quantity=1)
    session = fake_stripe.pay(_session_id(order))
    with app.app_context(), pytest.raises(ProviderRefused, match="greater than unrefunded"):
        providers()["stripe"].refund(RefundRequest(session["payment_intent"], 1000, "USD", "refund-42"))
    assert fake_stripe.refunds == {}


def test_the_payment_status_can_be_fetched_by_its_checkout_session(app, client, fake_stripe):
    make_product(app, price="9.99")
    order = _checkout(client, quantity=1)
    with app.app_context():
        unpaid = providers()["stripe"].fetch_status(_session_id(order))
        session = fake_stripe.pay(_session_id(order))
        status = providers()["stripe"].fetch_status(_session_id(order))
    assert unpaid.state == "pending"
    assert (status.state, status.order_number, status.amount_minor, status.currency, status.provider_reference) == (
        "paid",
        order["number"],
        999,
        "USD",
        session["payment_intent"],  # what the payment is recorded under, whether webhook or reconciliation
    )


def test_stripe_down_at_checkout_is_a_clear_503(app, client, fake_stripe):
    make_product(app, price="9.99")
    fake_stripe.stop()
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "ann@example.com", "method": "stripe"})
    assert answer.status_code == 503
    assert "cannot take payments right now" in answer.json["error"]["message"]


def test_a_refund_that_timed_out_is_retried_with_its_key_and_refunds_once(app, client, fake_stripe):
    from payments.stripe_provider import StripeProvider

    make_product(app, price="9.99")
    order = _checkout(client, quantity=1)
    session = fake_stripe.pay(_session_id(order))
    impatient = StripeProvider("sk_test_keyshop", WEBHOOK_SECRET, fake_stripe.url, timeout=0.5)
    request = RefundRequest(session["payment_intent"], 999, "USD", idempotency_key="refund-timeout")
    fake_stripe.stall_next_after_work(1.5)
    with pytest.raises(ProviderUnavailable):
        impatient.refund(request)
    time.sleep(1.2)  # the stalled answer is on its way out; Stripe has refunded meanwhile
    assert impatient.refund(request).state == "succeeded"
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [999]
