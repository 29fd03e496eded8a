"""No dead end on an unpaid order page: a pending or declined order continues to payment, by the
same way of paying or another, and the page never claims a mail that was not sent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order
from delivery.jobs import send_owed_mail
from tests.feedback.aftersale import delivered
from tests.shop import csrf_from, make_product, order_status, stock, unique_codes

INSTRUCTIONS = "Transfer the amount to IBAN DE00 1234 5678 9012 3456 78."
NOT_MAILED = "Nothing has been mailed to buyer@example.com yet."
MAILED = "We also sent it to buyer@example.com."


@pytest.fixture
def shop_env(shop_env):
    return {**shop_env, "MANUAL_PAYMENT_INSTRUCTIONS": INSTRUCTIONS}


def _order(client) -> dict:
    body = {"product": "card", "email": "buyer@example.com", "method": "sandbox"}
    answer = client.post("/api/v1/orders", json=body)
    assert answer.status_code == 201
    return answer.json


def _continue(client, token: str, method: str):
    return client.post(f"/o/{token}/pay", data={"csrf_token": csrf_from(client, f"/o/{token}"), "method": method})


def _sandbox(client, payment_url: str, outcome: str) -> None:
    path = payment_url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"outcome": outcome, **({"csrf_token": token.group(1)} if token else {})}
    assert client.post("/" + path, data=form).status_code == 303


def test_a_pending_order_continues_to_payment_and_claims_no_mail(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = _order(client)
    page = client.get(f"/o/{placed['token']}").get_data(as_text=True)
    assert "Continue to payment" in page and 'value="sandbox" checked' in page
    assert NOT_MAILED in page and MAILED not in page
    again = _continue(client, placed["token"], "sandbox")
    assert again.status_code == 303 and "/sandbox/pay?s=" in again.location
    _sandbox(client, again.location, "paid")
    assert client.get(f"/api/v1/orders/{placed['token']}").json["status"] == "paid"


def test_a_declined_order_is_tried_again_by_another_way_of_paying(app, client):
    make_product(app, "card")
    placed = _order(client)
    _sandbox(client, placed["payment"]["url"], "failed")
    page = client.get(f"/o/{placed['token']}").get_data(as_text=True)
    assert "The payment did not go through." in page and "Try to pay again" in page and NOT_MAILED in page
    moved = _continue(client, placed["token"], "manual")
    assert moved.status_code == 303 and moved.location.endswith(f"/o/{placed['token']}")
    page = client.get(f"/o/{placed['token']}").get_data(as_text=True)
    with app.app_context():
        method = db.session.scalar(select(Order.method).where(Order.number == placed["number"]))
        db.session.remove()
    assert method == "manual" and INSTRUCTIONS in page  # the bank transfer's instructions, same order


def test_only_unpaid_orders_and_offered_methods_continue(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    placed = _order(client)
    refused = _continue(client, placed["token"], "bitcoin")
    assert refused.status_code == 400 and "is not offered" in refused.get_data(as_text=True)
    assert client.post("/o/not-a-token/pay", data={"method": "sandbox"}).status_code in (400, 404)
    done = delivered(app, client)
    late = _continue(client, done.token, "sandbox")
    assert late.status_code == 409 and "not waiting for a payment" in late.get_data(as_text=True)
    assert order_status(app, done.order_id) == "delivered"


def test_the_mail_is_claimed_once_it_went_out(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    done = delivered(app, client)
    assert NOT_MAILED in client.get(f"/o/{done.token}").get_data(as_text=True)  # owed, not sent yet
    with app.app_context():
        assert send_owed_mail() == 1  # the drain job's body, in this process
        db.session.remove()
    page = client.get(f"/o/{done.token}").get_data(as_text=True)
    assert MAILED in page and NOT_MAILED not in page and "Continue to payment" not in page
