"""A held report refunded by staff through the fake Stripe API, driven by the real stripe library."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

from app.core.extensions import db
from app.core.models import Product
from tests.fakes.stripe_api import event, signed
from tests.feedback.aftersale import codes_of, report_of, report_via_page, staff, staff_post, wait_for_report
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET, fake_stripe, stripe_env  # noqa: F401 (a fixture)
from tests.shop import make_product, order_status, place, stock, unique_codes


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def test_staff_refund_of_a_held_report_reaches_stripe_once_despite_a_double_click(app, client, fake_stripe, worker):
    product_id = make_product(app, "card", price="10.00")
    stock(app, product_id, unique_codes(3))
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product_id).values(report_policy="hold"))
        db.session.commit()
        db.session.remove()
    placed = place(app, "card", method="stripe")
    session = fake_stripe.pay(placed.payment.provider_reference)
    headers, body = signed(event("checkout.session.completed", session), STRIPE_WEBHOOK_SECRET)
    assert client.post("/webhooks/stripe", data=body, headers=headers).status_code == 200
    deadline = time.monotonic() + 20
    while order_status(app, placed.order_id) != "delivered" and time.monotonic() < deadline:
        time.sleep(0.05)
    [(code_id, _)] = codes_of(app, placed.order_id)

    report_via_page(client, placed.token, code_id, "invalid")
    report = wait_for_report(app, code_id, lambda r: r.held_because)
    assert "policy holds" in report.held_because, worker.log()[-2000:]
    staff(app, client)
    for _ in range(2):
        assert staff_post(client, f"/admin/reports/{report.id}/refund", amount="10.00").status_code == 302

    deadline = time.monotonic() + 20
    while order_status(app, placed.order_id) != "refunded" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert order_status(app, placed.order_id) == "refunded", worker.log()[-2000:]
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1000]
    assert report_of(app, code_id).status == "refunded"
    assert "refunded" in client.get(f"/o/{placed.token}").get_data(as_text=True)
