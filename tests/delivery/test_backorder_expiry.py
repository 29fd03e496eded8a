"""A back-order that waits too long is refunded automatically, or put before staff; late stock never
delivers it as well."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order
from delivery.backorders import expire_backorders
from delivery.fulfil import fulfil
from payments.models import Refund
from payments.registry import providers
from tests.payments.conftest import MANUAL_INSTRUCTIONS
from tests.shop import make_product, order_status, place, sandbox_webhook, stock, unique_codes


@pytest.fixture
def shop_env(shop_env):
    return {**shop_env, "MANUAL_PAYMENT_INSTRUCTIONS": MANUAL_INSTRUCTIONS}


def _waiting_order(app, client, method="sandbox") -> int:
    placed = place(app, "card", method=method)
    if method == "sandbox":
        headers, body = sandbox_webhook(app, placed.number, 999)
        client.post("/webhooks/sandbox", data=body, headers=headers)
    else:
        from app.core.audit import Actor
        from payments.manual import confirm_payment

        with app.app_context():
            confirm_payment(db.session, Actor("staff@shop.test", "agent"), placed.number, "STMT")
            db.session.remove()
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "awaiting_stock"
        db.session.remove()
    return placed.order_id


def _expire(app, seconds: int) -> int:
    with app.app_context():
        count = expire_backorders(db.session, providers(), seconds)
        db.session.remove()
        return count


def _outbox(app) -> str:
    folder = app.config["KEYSHOP"].instance / "outbox"
    return "".join(path.read_text(errors="replace") for path in sorted(folder.glob("*.eml"))) if folder.exists() else ""


def test_a_back_order_past_its_time_is_refunded_and_the_buyer_told(app, client, worker):
    product_id = make_product(app)
    order_id = _waiting_order(app, client)
    assert _expire(app, 3600) == 0  # not yet
    time.sleep(1.1)
    assert _expire(app, 1) == 1

    deadline = time.monotonic() + 20
    while order_status(app, order_id) != "refunded" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert order_status(app, order_id) == "refunded", worker.log()[-2000:]
    stock(app, product_id, unique_codes(1))
    with app.app_context():
        assert fulfil(db.session, order_id) == "skipped"  # late stock does not deliver it as well
        assert db.session.scalar(select(Refund.amount_minor)) == 999
        db.session.remove()
    deadline = time.monotonic() + 15
    while "refunded" not in _outbox(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Order" in _outbox(app) and "refunded" in _outbox(app)
    assert "9.99" in _outbox(app)  # the refund mail lists what was refunded


def test_a_back_order_whose_provider_cannot_refund_goes_to_staff(app, client):
    make_product(app)
    order_id = _waiting_order(app, client, method="manual")
    time.sleep(1.1)
    assert _expire(app, 1) == 1
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == "review" and "refund by hand" in order.review_reason
        assert db.session.scalar(select(Refund.id)) is None
        db.session.remove()
