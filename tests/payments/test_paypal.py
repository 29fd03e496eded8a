"""PayPal: Orders v2 against a fake PayPal API, capture on return or on the approval webhook, webhooks
verified through PayPal's verify call, refunds of a capture with PayPal-Request-Id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order
from payments.base import RefundRequest
from payments.models import Payment
from payments.registry import providers
from tests.payments.conftest import paypal_env
from tests.shop import make_product, order_status


@pytest.fixture
def shop_env(shop_env, fake_paypal):
    return {**shop_env, **paypal_env(fake_paypal)}


def _checkout(app, client, fake_paypal) -> tuple[int, dict, str]:
    make_product(app, price="15.00", currency="EUR")
    order = client.post("/api/v1/orders", json={"product": "card", "email": "pp@example.com", "method": "paypal"})
    assert order.status_code == 201, order.text
    [paypal_order] = fake_paypal.orders.values()
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == order.json["number"]))
        db.session.remove()
    return order_id, order.json, paypal_order["id"]


def _payments(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Payment))
        db.session.remove()
        return count


def _post(client, delivery):
    headers, body = delivery
    return client.post("/webhooks/paypal", data=body, headers=headers)


def test_the_paypal_order_carries_amount_and_order_number(app, client, fake_paypal):
    _, order, paypal_id = _checkout(app, client, fake_paypal)
    unit = fake_paypal.orders[paypal_id]["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "EUR", "value": "15.00"}
    assert unit["custom_id"] == order["number"]
    context = fake_paypal.orders[paypal_id]["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == context["cancel_url"] == f"http://127.0.0.1:5000/back/paypal/{order['number']}"
    assert order["payment"]["url"].startswith(fake_paypal.url)


def test_the_buyers_return_captures_and_pays_once_even_with_the_webhook_too(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.approve(paypal_id)
    back = client.get(f"/back/paypal/{order['number']}?token={paypal_id}&PayerID=P1")
    assert back.status_code == 200 and order["token"] not in back.text  # an API order: no browser to let through
    assert order_status(app, order_id) == "paid"
    capture = fake_paypal.orders[paypal_id]["purchase_units"][0]["payments"]["captures"][0]
    assert _post(client, fake_paypal.webhook("PAYMENT.CAPTURE.COMPLETED", capture)).status_code == 200
    assert _payments(app) == 1


def test_an_approval_webhook_captures_for_a_buyer_who_never_came_back(app, client, fake_paypal):
    order_id, _, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.approve(paypal_id)
    assert _post(client, fake_paypal.webhook("CHECKOUT.ORDER.APPROVED", {"id": paypal_id})).status_code == 200
    assert _post(client, fake_paypal.webhook("CHECKOUT.ORDER.APPROVED", {"id": paypal_id})).status_code == 200
    assert order_status(app, order_id) == "paid" and _payments(app) == 1
    assert fake_paypal.capture_calls == 1  # the second capture reused PayPal-Request-Id


def test_a_webhook_paypal_does_not_verify_is_refused(app, client, fake_paypal):
    order_id, _, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.approve(paypal_id)
    headers, body = fake_paypal.webhook("CHECKOUT.ORDER.APPROVED", {"id": paypal_id})
    assert (
        client.post("/webhooks/paypal", data=body.replace(b"APPROVED", b"APPROVED "), headers=headers).status_code
        == 400
    )
    assert (
        _post(
            client, fake_paypal.webhook("CHECKOUT.ORDER.APPROVED", {"id": paypal_id}, webhook_id="WH-OTHER")
        ).status_code
        == 400
    )
    assert client.post("/webhooks/paypal", data=body, headers={"Content-Type": "application/json"}).status_code == 400
    assert order_status(app, order_id) == "pending" and fake_paypal.capture_calls == 0


def test_a_capture_of_another_amount_flags_the_order(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.orders[paypal_id]["purchase_units"][0]["amount"] = {"currency_code": "EUR", "value": "1.50"}
    fake_paypal.approve(paypal_id)
    client.get(f"/back/paypal/{order['number']}?token={paypal_id}")
    assert order_status(app, order_id) == "review" and _payments(app) == 1  # recorded, flagged for staff


def test_a_return_that_cannot_capture_still_lands_on_the_order_page(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)  # never approved
    back = client.get(f"/back/paypal/{order['number']}?token={paypal_id}")
    assert back.status_code == 200 and order_status(app, order_id) == "pending"


def test_a_capture_is_refunded_once_per_key(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.approve(paypal_id)
    client.get(f"/back/paypal/{order['number']}?token={paypal_id}")
    with app.app_context():
        capture_id = db.session.scalar(select(Payment.reference))
        paypal = providers()["paypal"]
        request = RefundRequest(capture_id, 500, "EUR", "refund-pp-1")
        first, again = paypal.refund(request), paypal.refund(request)
        status = paypal.fetch_status(paypal_id)  # the PayPal order: its capture
        db.session.remove()
    assert first == again and first.state == "succeeded"
    assert [r["amount"] for r in fake_paypal.refunds.values()] == [{"currency_code": "EUR", "value": "5.00"}]
    assert (status.state, status.order_number, status.amount_minor, status.currency, status.event_id) == (
        "paid",
        order["number"],
        1500,
        "EUR",
        f"capture:{capture_id}",  # as the capture's webhook names it: one of the two is a duplicate
    )


def test_a_denied_capture_fails_the_order_and_a_refund_at_paypal_is_recorded(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)
    denied = {
        "id": "CAP-DENIED",
        "status": "DECLINED",
        "custom_id": order["number"],
        "amount": {"currency_code": "EUR", "value": "15.00"},
    }
    assert _post(client, fake_paypal.webhook("PAYMENT.CAPTURE.DENIED", denied)).status_code == 200
    assert order_status(app, order_id) == "failed"

    fake_paypal.approve(paypal_id)
    client.get(f"/back/paypal/{order['number']}?token={paypal_id}")  # paid after all
    assert order_status(app, order_id) == "paid"
    capture_id = fake_paypal.orders[paypal_id]["purchase_units"][0]["payments"]["captures"][0]["id"]
    refunded = {
        "id": "RF-1",
        "status": "COMPLETED",
        "amount": {"currency_code": "EUR", "value": "15.00"},
        "links": [{"rel": "up", "href": f"{fake_paypal.url}/v2/payments/captures/{capture_id}"}],
    }
    assert _post(client, fake_paypal.webhook("PAYMENT.CAPTURE.REFUNDED", refunded)).status_code == 200
    with app.app_context():
        from app.core.models import OrderEvent

        actions = list(db.session.scalars(select(OrderEvent.action).where(OrderEvent.order_id == order_id)))
        db.session.remove()
    assert "shop.order.refunded_at_provider" in actions


def test_a_checkout_started_before_the_landing_still_comes_back_through_the_old_url(app, client, fake_paypal):
    order_id, order, paypal_id = _checkout(app, client, fake_paypal)
    fake_paypal.approve(paypal_id)
    back = client.get(f"/return/paypal?next=/o/{order['token']}&token={paypal_id}&PayerID=P1")
    assert back.status_code == 303 and back.headers["Location"] == f"/o/{order['token']}"
    assert order_status(app, order_id) == "paid"
    assert client.get(f"/return/paypal?next=https://evil.example/&token={paypal_id}").status_code == 404
