"""Epay: the signed submit.php redirect, and signed notify calls (GET or POST) answered `success`."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from app.core.extensions import db
from payments.models import Payment
from tests.payments.conftest import epay_env
from tests.shop import make_product, order_status


@pytest.fixture
def shop_env(shop_env, fake_epay):
    return {**shop_env, **epay_env(fake_epay)}


def _checkout(app, client, fake_epay, price="68.00") -> tuple[int, dict]:
    make_product(app, price=price, currency="CNY")
    order = client.post("/api/v1/orders", json={"product": "card", "email": "li@example.com", "method": "epay"}).json
    assert requests.get(order["payment"]["url"], timeout=5).status_code == 200  # the gateway accepted our sign
    with app.app_context():
        from app.core.models import Order

        order_id = db.session.scalar(select(Order.id).where(Order.number == order["number"]))
        db.session.remove()
    return order_id, fake_epay.submitted[-1]


def _payments(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Payment))
        db.session.remove()
        return count


def test_the_redirect_carries_the_order_in_yuan(app, client, fake_epay):
    _, submitted = _checkout(app, client, fake_epay, price="68.50")
    assert submitted["money"] == "68.50" and submitted["type"] == "alipay"
    assert submitted["notify_url"].endswith("/webhooks/epay") and submitted["out_trade_no"].startswith("KS-")


def test_a_successful_notify_pays_once_and_answers_success(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    notify = fake_epay.notify(submitted)
    first = client.get("/webhooks/epay", query_string=notify)
    again = client.get("/webhooks/epay", query_string=notify)
    assert (first.status_code, first.text, again.text) == (200, "success", "success")
    assert order_status(app, order_id) == "paid" and _payments(app) == 1


def test_a_posted_notify_works_too(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.post("/webhooks/epay", data=fake_epay.notify(submitted))
    assert answer.text == "success" and order_status(app, order_id) == "paid"


def test_tampered_wrongly_signed_and_foreign_notifies_are_refused(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    tampered = {**fake_epay.notify(submitted), "money": "0.01"}
    assert client.get("/webhooks/epay", query_string=tampered).status_code == 400
    assert client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, key="guessed")).status_code == 400
    foreign = fake_epay.notify(submitted, pid="2002")
    assert client.get("/webhooks/epay", query_string=foreign).status_code == 400
    assert client.get("/webhooks/epay").status_code == 400
    assert order_status(app, order_id) == "pending" and _payments(app) == 0


def test_a_signed_notify_for_another_amount_flags_the_order(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, money="6.80"))
    assert answer.status_code == 422
    assert order_status(app, order_id) == "review" and _payments(app) == 1  # recorded, flagged for staff


def test_a_notify_that_is_not_a_success_changes_nothing(app, client, fake_epay):
    order_id, submitted = _checkout(app, client, fake_epay)
    answer = client.get("/webhooks/epay", query_string=fake_epay.notify(submitted, trade_status="WAIT_BUYER_PAY"))
    assert answer.text == "success" and order_status(app, order_id) == "pending"


def test_epay_is_not_offered_for_other_currencies(app, client):
    make_product(app, price="9.99", currency="USD")
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "li@example.com", "method": "epay"})
    assert answer.status_code == 422 and "takes only CNY" in answer.json["error"]["message"]
