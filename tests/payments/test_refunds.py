"""Refunds: recorded first under one key, carried out once, whatever is clicked, retried or lost."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.staff import create_staff
from payments import refunds
from payments.base import ProviderUnavailable
from payments.models import Refund
from payments.registry import providers
from tests.fakes.stripe_api import event, signed
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET as WEBHOOK_SECRET
from tests.payments.conftest import stripe_env
from tests.shop import csrf_from, make_product, order_status, place, sandbox_webhook, sign_in, stock, unique_codes

AGENT = Actor("agent@shop.test", "agent")


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _paid_sandbox_order(app, client, price="10.00") -> int:
    make_product(app, price=price)
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, int(price.replace(".", "")))
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.order_id


def _paid_stripe_order(app, client, fake_stripe, stocked=False) -> tuple[int, str]:
    product_id = make_product(app, price="10.00")
    if stocked:
        stock(app, product_id, unique_codes(1))
    placed = place(app, "card", method="stripe")
    session = fake_stripe.pay(placed.payment.provider_reference)
    headers, body = signed(event("checkout.session.completed", session), WEBHOOK_SECRET)
    assert client.post("/webhooks/stripe", data=body, headers=headers).status_code == 200
    return placed.order_id, placed.number


def _request(app, order_id, amount, key="k-1"):
    with app.app_context():
        try:
            return refunds.request_refund(db.session, AGENT, order_id, amount, key=key, reason="code did not work")
        finally:
            db.session.remove()


def _carry_out(app, refund_id) -> str:
    with app.app_context():
        outcome = refunds.carry_out(db.session, providers(), refund_id)
        db.session.remove()
        return outcome


def _refund_rows(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(Refund.amount_minor, Refund.status).order_by(Refund.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def test_the_same_key_asks_for_one_refund(app, client):
    order_id = _paid_sandbox_order(app, client)
    first = _request(app, order_id, 400)
    again = _request(app, order_id, 400)
    assert first == (first[0], True) and again == (first[0], False)
    assert _refund_rows(app) == [(400, "requested")]


def test_concurrent_clicks_with_one_key_make_one_refund(app, client):
    order_id = _paid_sandbox_order(app, client)
    results, start = [], threading.Barrier(8)

    def click():
        start.wait()
        results.append(_request(app, order_id, 400, key="double-click"))

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len({refund_id for refund_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert _refund_rows(app) == [(400, "requested")]


def test_more_than_was_paid_cannot_be_asked_for(app, client):
    order_id = _paid_sandbox_order(app, client)
    _request(app, order_id, 700, key="a")
    with pytest.raises(refunds.RefundError, match="amount: .* from 1 to 300"):
        _request(app, order_id, 301, key="b")
    with pytest.raises(refunds.RefundError, match="amount"):
        _request(app, order_id, 0, key="c")


def test_an_unpaid_order_has_nothing_to_refund(app, client):
    make_product(app)
    placed = place(app, "card")
    with pytest.raises(refunds.RefundError, match="no payment"):
        _request(app, placed.order_id, 100)


def test_a_whole_refund_marks_the_order_refunded_and_the_buyer_sees_it(app, client):
    order_id = _paid_sandbox_order(app, client)
    refund_id, _ = _request(app, order_id, 600, key="part")
    assert _carry_out(app, refund_id) == "succeeded"
    assert order_status(app, order_id) == "paid"  # partly refunded
    rest_id, _ = _request(app, order_id, 400, key="rest")
    assert _carry_out(app, rest_id) == "succeeded"
    assert _carry_out(app, rest_id) == "succeeded"  # a second run finds it done
    assert order_status(app, order_id) == "refunded"


def test_a_lost_answer_is_retried_with_the_same_key_and_refunds_once(app, client, fake_stripe):
    order_id, _ = _paid_stripe_order(app, client, fake_stripe)
    refund_id, _ = _request(app, order_id, 1000)
    fake_stripe.fail_next_after_work()
    with pytest.raises(ProviderUnavailable):
        _carry_out(app, refund_id)
    assert _refund_rows(app) == [(1000, "requested")]
    assert _carry_out(app, refund_id) == "succeeded"
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [1000]
    assert order_status(app, order_id) == "refunded"


def test_a_refusal_fails_visibly_and_staff_retry_or_settle_by_hand(app, client, fake_stripe):
    order_id, _ = _paid_stripe_order(app, client, fake_stripe)
    refund_id, _ = _request(app, order_id, 1000)
    fake_stripe.intents.clear()  # Stripe no longer knows the payment
    assert _carry_out(app, refund_id) == "failed"
    with app.app_context():
        assert "No such payment_intent" in db.session.get(Refund, refund_id).error
        db.session.rollback()
        assert refunds.retry(db.session, AGENT, refund_id)
        db.session.remove()
    assert _carry_out(app, refund_id) == "failed"
    with app.app_context():
        assert refunds.settle_manually(db.session, AGENT, refund_id, "bank transfer 12/3") == "manual"
        db.session.remove()
    assert order_status(app, order_id) == "refunded"


def test_a_stripe_shop_sells_and_refunds_once_despite_a_double_submit(app, client, fake_stripe, worker):
    """Sold through the fake Stripe with the real stripe library, delivered by the worker, refunded from
    the admin page through the worker."""
    order_id, number = _paid_stripe_order(app, client, fake_stripe, stocked=True)
    deadline = time.monotonic() + 20
    while order_status(app, order_id) != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert order_status(app, order_id) == "delivered", worker.log()[-2000:]
    with app.app_context():
        create_staff(db.session, "agent@shop.test", "a long staff password", role="agent")
        db.session.remove()
    sign_in(client, "agent@shop.test", "a long staff password")
    page = client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert "checkout.session" not in page and "stripe: paid" in page
    import re

    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    form = {
        "csrf_token": csrf_from(client, f"/admin/orders/{number}"),
        "key": key,
        "amount": "10.00",
        "reason": "code did not work",
    }
    assert client.post(f"/admin/orders/{number}/refunds", data=form).status_code == 302
    assert client.post(f"/admin/orders/{number}/refunds", data=form).status_code == 302

    deadline = time.monotonic() + 20
    while order_status(app, order_id) != "refunded" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert order_status(app, order_id) == "refunded", worker.log()[-2000:]
    assert len(fake_stripe.refunds) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
        db.session.remove()
    assert "shop.order.refund_succeeded" in client.get(f"/admin/orders/{number}").get_data(as_text=True)
