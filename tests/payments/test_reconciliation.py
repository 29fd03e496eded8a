"""Reconciliation: unpaid orders are asked about at each provider (fakes of Stripe, PayPal, BTCPay and
the Epay gateway on loopback, driven by the real clients), by a real worker process on its sweep.
A payment whose webhook never came is delivered; the late webhook is a duplicate; a callback's
"success" that the provider's status API contradicts puts the order in review."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from app.core.db import utcnow
from app.core.extensions import db
from delivery.reconciliation import reconcile_payment
from payments.check_rounds import due_at, take_due
from tests.payments.conftest import btcpay_env, epay_env, paypal_env, stripe_env
from tests.payments.reconciliation import (
    DRIVERS,
    actions,
    all_fakes,
    due_now,
    place_order,
    recorded,
    the_check,
    the_order,
)
from tests.shop import in_app, make_product, stock, unique_codes, wait_for_status

PRICES = {"USD": "9.99", "EUR": "15.00", "CNY": "68.00"}


@pytest.fixture
def shop_env(shop_env, fake_stripe, fake_paypal, fake_epay, fake_btcpay):
    return {
        **shop_env,
        **stripe_env(fake_stripe),
        **paypal_env(fake_paypal),
        **epay_env(fake_epay),
        **btcpay_env(fake_btcpay),
    }


@pytest.fixture
def fakes(fake_stripe, fake_paypal, fake_epay, fake_btcpay):
    return all_fakes(fake_stripe, fake_paypal, fake_epay, fake_btcpay)


def _product(app, currency: str, codes: int = 1) -> None:
    product_id = make_product(app, price=PRICES[currency], currency=currency)
    if codes:
        stock(app, product_id, unique_codes(codes))


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.method for d in DRIVERS])
def test_a_paid_order_whose_webhook_never_comes_is_delivered_and_the_late_webhook_is_a_duplicate(
    app, client, fakes, worker, driver
):
    _product(app, driver.currency)
    order = place_order(client, driver.method)
    driver.pay(fakes, order)
    order_id = the_order(app, order["number"]).id
    due_now(app, order["number"])  # the worker's sweep finds the check due and enqueues its job

    assert wait_for_status(app, order_id, "delivered", seconds=30) == "delivered", worker.log()[-2000:]
    assert "shop.payment.reconciled" in actions(app, order_id)
    assert recorded(app, order_id) == (1, 1)
    assert the_check(app, order["number"]).next_check_at is None  # paid: asked no more

    late = driver.late_webhook(client, fakes, order)
    assert late.status_code == 200, late.text
    assert recorded(app, order_id) == (1, 1)  # the same payment, once
    assert actions(app, order_id).count("shop.order.paid") == 1


def test_a_late_payment_after_expiry_is_back_ordered_when_there_is_no_stock(app, client, fakes, worker):
    _product(app, "USD", codes=0)
    order = place_order(client, "btcpay")
    invoice = next(iter(fakes.btcpay.invoices))
    headers, body = fakes.btcpay.webhook(invoice, "InvoiceExpired")
    assert client.post("/webhooks/btcpay", data=body, headers=headers).status_code == 200
    order_id = the_order(app, order["number"]).id
    assert wait_for_status(app, order_id, "failed") == "failed"

    fakes.btcpay.invoices[invoice]["status"] = "Settled"  # paid after all, late
    due_now(app, order["number"])
    assert wait_for_status(app, order_id, "awaiting_stock", seconds=30) == "awaiting_stock"


@pytest.mark.parametrize("driver", [d for d in DRIVERS if d.method in ("epay", "btcpay")], ids=["btcpay", "epay"])
def test_a_callback_success_the_provider_contradicts_puts_the_order_in_review(app, client, fakes, driver):
    _product(app, driver.currency)
    order = place_order(client, driver.method)
    if driver.method == "epay":
        assert requests.get(order["payment"]["url"], timeout=5).status_code == 200
        forged = fakes.epay.notify(fakes.epay.submitted[-1], sent=False)  # signed, but never sent by the gateway
        answer = client.get("/webhooks/epay", query_string=forged)
    else:
        invoice = next(iter(fakes.btcpay.invoices))
        headers, body = fakes.btcpay.webhook(invoice, "InvoiceSettled")
        fakes.btcpay.invoices[invoice]["status"] = "Processing"  # BTCPay itself does not call it settled
        answer = client.post(f"/webhooks/{driver.method}", data=body, headers=headers)

    assert answer.status_code == 422
    reviewed = the_order(app, order["number"])
    assert reviewed.status == "review"
    assert "not paid" in reviewed.review_reason or "not settled" in reviewed.review_reason
    assert "shop.order.paid" not in actions(app, reviewed.id)


def test_a_genuine_epay_success_is_read_back_from_the_gateway_and_pays(app, client, fakes):
    _product(app, "CNY")
    order = place_order(client, "epay")
    requests.get(order["payment"]["url"], timeout=5)
    asked = fakes.epay.queries
    answer = client.get("/webhooks/epay", query_string=fakes.epay.notify(fakes.epay.submitted[-1]))
    assert (answer.status_code, answer.text) == (200, "success")
    assert fakes.epay.queries == asked + 1 and the_order(app, order["number"]).status == "paid"


def test_an_expired_checkout_fails_the_order_and_is_still_asked_about_until_its_deadline(app, client, fakes):
    _product(app, "USD")
    order = place_order(client, "stripe")
    fakes.stripe.expire(order["payment"]["url"].rsplit("/", 1)[1])
    due_now(app, order["number"])
    check_id = the_check(app, order["number"]).id

    assert in_app(app, lambda: take_due(db.session)) == [(check_id, 0)]
    assert in_app(app, lambda: take_due(db.session)) == []  # a second sweep finds the round taken
    assert in_app(app, lambda: reconcile_payment(check_id, 0)) == "failed"
    assert in_app(app, lambda: reconcile_payment(check_id, 0)) == "answered"  # the job run twice: asked once
    check = the_check(app, order["number"])
    assert check.rounds == 1 and check.next_check_at is not None  # one round; a late success may still come
    assert the_order(app, order["number"]).status == "failed"


def test_an_unreachable_provider_is_asked_again_soon_and_bad_answers_are_not_retried(app, client, fakes):
    _product(app, "USD")
    order = place_order(client, "btcpay")
    check_id = the_check(app, order["number"]).id
    fakes.btcpay.down = True
    assert in_app(app, lambda: reconcile_payment(check_id, 0)) == "unreachable"
    check = the_check(app, order["number"])
    assert (check.rounds, check.failures, check.last_state) == (0, 1, "unreachable")
    assert check.next_check_at <= utcnow() + timedelta(minutes=1, seconds=5)

    fakes.btcpay.down = False
    next(iter(fakes.btcpay.invoices.values()))["metadata"]["orderId"] = "KS-SOMEONE"  # names another order
    assert in_app(app, lambda: reconcile_payment(check_id, 0)) == "refused"
    check = the_check(app, order["number"])
    assert check.next_check_at is None and "KS-SOMEONE" in check.last_error
    assert the_order(app, order["number"]).status == "pending"


def test_the_schedule_is_1_5_15_60_minutes_then_hourly_until_expiry_and_grace():
    start = datetime(2026, 12, 1, 12, 0)
    minutes = [(due_at(start, rounds, start) - start) / timedelta(minutes=1) for rounds in range(6)]
    assert minutes == [1, 5, 15, 60, 120, 180]
    assert due_at(start, 38, start) == start + timedelta(hours=36)  # 24 hours' expiry and 12 of grace
    assert due_at(start, 39, start) is None
    late = start + timedelta(hours=5)  # a round answered long after it was due is not due at once again
    assert due_at(start, 2, late) == late + timedelta(minutes=1)
