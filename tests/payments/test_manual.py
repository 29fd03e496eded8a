"""Manual payment: the buyer sees the instructions, staff confirm once, the code is delivered."""

from __future__ import annotations

import re
import time

import pytest

from app.core.extensions import db
from app.core.staff import create_staff
from tests.payments.conftest import MANUAL_INSTRUCTIONS as INSTRUCTIONS
from tests.shop import csrf_from, make_product, sign_in, stock, unique_codes


@pytest.fixture
def shop_env(shop_env):
    return {**shop_env, "MANUAL_PAYMENT_INSTRUCTIONS": INSTRUCTIONS}


def _order(app, client) -> dict:
    product_id = make_product(app, price="30.00", currency="EUR")
    stock(app, product_id, unique_codes(1))
    answer = client.post("/api/v1/orders", json={"product": "card", "email": "eva@example.com", "method": "manual"})
    assert answer.status_code == 201, answer.text
    return answer.json


def _confirm(client, number: str, reference="STMT-7"):
    token = csrf_from(client, "/admin/")
    return client.post(f"/admin/orders/{number}/confirm-payment", data={"csrf_token": token, "reference": reference})


def test_the_buyer_is_sent_to_the_order_page_with_the_instructions(app, client):
    order = _order(app, client)
    assert order["payment"]["url"].endswith(f"/o/{order['token']}")
    page = client.get(f"/o/{order['token']}").get_data(as_text=True)
    assert INSTRUCTIONS in page and order["number"] in page


def test_no_callback_can_pay_a_manual_order(app, client):
    order = _order(app, client)
    answer = client.post("/webhooks/manual", data=f'{{"order": "{order["number"]}"}}')
    assert answer.status_code == 400


def test_staff_confirm_once_and_the_worker_delivers(app, client, worker):
    order = _order(app, client)
    with app.app_context():
        create_staff(db.session, "agent@shop.test", "a long staff password", role="agent")
        db.session.remove()
    sign_in(client, "agent@shop.test", "a long staff password")
    assert "received</button>" in client.get(f"/admin/orders/{order['number']}").get_data(as_text=True)

    assert _confirm(client, order["number"]).status_code == 302
    assert _confirm(client, order["number"]).status_code == 302

    deadline = time.monotonic() + 15
    while client.get(f"/api/v1/orders/{order['token']}").json["status"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get(f"/api/v1/orders/{order['token']}").json["status"] == "delivered", worker.log()[-2000:]
    page = client.get(f"/admin/orders/{order['number']}").get_data(as_text=True)
    assert len(re.findall(r"<td>manual</td>", page)) == 1  # one payment row
    assert "already confirmed" in page or "shop.order.paid" in page


def test_only_manual_orders_can_be_confirmed(app, client):
    make_product(app, price="5.00")
    order = client.post(
        "/api/v1/orders", json={"product": "card", "email": "eva@example.com", "method": "sandbox"}
    ).json
    with app.app_context():
        create_staff(db.session, "agent@shop.test", "a long staff password", role="agent")
        db.session.remove()
    sign_in(client, "agent@shop.test", "a long staff password")
    assert _confirm(client, order["number"]).status_code == 404
    assert client.get(f"/api/v1/orders/{order['token']}").json["status"] == "pending"
