"""BTCPay: invoices through the Greenfield API, signed webhooks checked against the invoice itself."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from payments import refunds
from payments.models import Payment
from payments.registry import providers
from tests.payments.conftest import btcpay_env
from tests.shop import make_product, order_status


@pytest.fixture
def shop_env(shop_env, fake_btcpay):
    return {**shop_env, **btcpay_env(fake_btcpay)}


def _checkout(app, client, fake_btcpay) -> tuple[int, str]:
    make_product(app, price="25.00")
    order = client.post("/api/v1/orders", json={"product": "card", "email": "sat@example.com", "method": "btcpay"})
    assert order.status_code == 201, order.text
    [invoice] = fake_btcpay.invoices.values()
    assert order.json["payment"]["url"] == invoice["checkoutLink"]
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == order.json["number"]))
        db.session.remove()
    return order_id, invoice["id"]


def _post(client, delivery):
    headers, body = delivery
    return client.post("/webhooks/btcpay", data=body, headers=headers)


def _payments(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Payment))
        db.session.remove()
        return count


def test_the_invoice_carries_the_amount_and_the_order(app, client, fake_btcpay):
    _, invoice_id = _checkout(app, client, fake_btcpay)
    invoice = fake_btcpay.invoices[invoice_id]
    assert (invoice["amount"], invoice["currency"]) == ("25.00", "USD")
    assert invoice["metadata"]["orderId"].startswith("KS-")
    assert invoice["checkout"]["redirectURL"].endswith(f"/back/btcpay/{invoice['metadata']['orderId']}")


def test_a_settled_invoice_pays_the_order_once(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    assert _post(client, fake_btcpay.webhook(invoice_id, "InvoiceSettled")).status_code == 200
    assert _post(client, fake_btcpay.webhook(invoice_id, "InvoiceSettled")).status_code == 200  # a redelivery
    assert order_status(app, order_id) == "paid" and _payments(app) == 1


@pytest.mark.parametrize("kind", ["InvoiceExpired", "InvoiceInvalid"])
def test_expired_and_invalid_invoices_fail_the_order(app, client, fake_btcpay, kind):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    assert _post(client, fake_btcpay.webhook(invoice_id, kind)).status_code == 200
    assert order_status(app, order_id) == "failed"


def test_a_wrong_signature_is_refused(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    assert _post(client, fake_btcpay.webhook(invoice_id, "InvoiceSettled", secret="guess")).status_code == 400
    headers, body = fake_btcpay.webhook(invoice_id, "InvoiceSettled")
    assert client.post("/webhooks/btcpay", data=body + b" ", headers=headers).status_code == 400
    assert order_status(app, order_id) == "pending"


def test_an_invoice_for_another_amount_flags_the_order(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    fake_btcpay.invoices[invoice_id]["amount"] = "2.50"
    assert _post(client, fake_btcpay.webhook(invoice_id, "InvoiceSettled")).status_code == 422
    assert order_status(app, order_id) == "review" and _payments(app) == 1  # recorded, flagged for staff


def test_btcpay_unreachable_during_a_webhook_is_503_so_it_is_delivered_again(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    delivery = fake_btcpay.webhook(invoice_id, "InvoiceSettled")
    fake_btcpay.down = True
    assert _post(client, delivery).status_code == 503
    fake_btcpay.down = False
    assert _post(client, delivery).status_code == 200
    assert order_status(app, order_id) == "paid"


def test_other_event_types_are_accepted_and_ignored(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    assert _post(client, fake_btcpay.webhook(invoice_id, "InvoiceReceivedPayment")).status_code == 200
    assert order_status(app, order_id) == "pending"


def test_a_refund_waits_for_staff_to_settle_it_by_hand(app, client, fake_btcpay):
    order_id, invoice_id = _checkout(app, client, fake_btcpay)
    _post(client, fake_btcpay.webhook(invoice_id, "InvoiceSettled"))
    staff = Actor("owner@shop.test", "owner")
    with app.app_context():
        refund_id, _ = refunds.request_refund(db.session, staff, order_id, 2500, key="btc-1", reason="no code")
        assert refunds.carry_out(db.session, providers(), refund_id) == "failed"
        assert refunds.settle_manually(db.session, staff, refund_id, "pull payment 7 sent") == "manual"
        db.session.remove()
    assert order_status(app, order_id) == "refunded"
