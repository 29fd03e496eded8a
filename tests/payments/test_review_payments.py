"""Money that did not pay its order as agreed is recorded, flagged and settled by staff: accepted and
delivered, or refunded. A copy of a payment is a duplicate; any amount is an answer, never a 500."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from app.core.audit import Actor
from app.core.extensions import db
from app.core.models import Order
from app.core.money import amount_text
from app.core.shop_settings import change_setting
from payments.models import Payment, Refund
from tests.fakes.stripe_api import event, signed
from tests.feedback.aftersale import staff, staff_post
from tests.payments.conftest import STRIPE_WEBHOOK_SECRET, stripe_env
from tests.shop import (
    make_product,
    order_actions,
    order_status,
    place,
    sandbox_webhook,
    stock,
    unique_codes,
    wait_for_status,
)


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _payments(app, order_id) -> list[tuple[int, str, str | None, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Payment.amount_minor, Payment.currency, Payment.flag, Payment.flag_state)
            .where(Payment.order_id == order_id)
            .order_by(Payment.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _reviewed_order(app, client, paid: int, currency="USD", stocked=True):
    product_id = make_product(app, price="10.00")
    if stocked:
        stock(app, product_id, unique_codes(2))
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, paid, currency=currency)
    answer = client.post("/webhooks/sandbox", data=body, headers=headers)
    assert answer.status_code == 422 and "does not match" in answer.text
    return placed


def _payment_id(app, order_id) -> int:
    with app.app_context():
        payment_id = db.session.scalar(select(Payment.id).where(Payment.order_id == order_id).order_by(Payment.id))
        db.session.remove()
        return payment_id


def test_a_mismatched_payment_is_recorded_and_flagged(app, client):
    placed = _reviewed_order(app, client, 900)
    [(amount, currency, flag, state)] = _payments(app, placed.order_id)
    assert (amount, currency, state) == (900, "USD", "") and "does not match" in flag
    assert order_status(app, placed.order_id) == "review"


def test_staff_accept_a_reviewed_payment_and_the_order_is_delivered(app, client, worker):
    placed = _reviewed_order(app, client, 900)
    staff(app, client, "owner@shop.test", role="owner")
    page = client.get(f"/admin/orders/{placed.number}").get_data(as_text=True)
    assert "Accept and deliver" in page and "Refund what came" in page

    assert staff_post(client, f"/admin/orders/{placed.number}/accept").status_code == 302
    assert staff_post(client, f"/admin/orders/{placed.number}/accept").status_code == 302  # a second click

    assert wait_for_status(app, placed.order_id, "delivered") == "delivered", worker.log()[-2000:]
    assert _payments(app, placed.order_id)[0][3] == "accepted"
    assert order_actions(app, placed.order_id).count("shop.order.accepted") == 1


def test_staff_refund_what_came_and_the_order_is_refunded(app, client, worker):
    placed = _reviewed_order(app, client, 1500, currency="EUR", stocked=False)
    staff(app, client, "owner@shop.test", role="owner")
    payment_id = _payment_id(app, placed.order_id)

    first = staff_post(client, f"/admin/payments/{payment_id}/refund", follow_redirects=True)
    assert staff_post(client, f"/admin/payments/{payment_id}/refund").status_code == 302  # a second click

    assert wait_for_status(app, placed.order_id, "refunded") == "refunded", (
        worker.log()[-2000:],
        re.findall(r"Refund[^<]*", first.get_data(as_text=True)),
    )
    with app.app_context():
        rows = db.session.execute(select(Refund.amount_minor, Refund.currency, Refund.status)).all()
        db.session.remove()
    assert [tuple(r) for r in rows] == [(1500, "EUR", "succeeded")]
    assert _payments(app, placed.order_id)[0][3] == "refunded"
    assert staff_post(client, f"/admin/orders/{placed.number}/accept").status_code == 302
    assert order_status(app, placed.order_id) == "refunded"  # accepting after the refund changes nothing


def test_accept_and_refund_at_once_only_one_takes_effect(app, client):
    placed = _reviewed_order(app, client, 900)
    owners = [app.test_client(), app.test_client()]
    staff(app, owners[0], "owner@shop.test", role="owner")
    staff(app, owners[1], "owner2@shop.test", role="owner")
    payment_id = _payment_id(app, placed.order_id)
    tokens = [
        re.search(r'name="csrf_token" value="([^"]+)"', c.get("/admin/").get_data(as_text=True)).group(1)
        for c in owners
    ]
    start = threading.Barrier(2)
    paths = [f"/admin/orders/{placed.number}/accept", f"/admin/payments/{payment_id}/refund"]

    def click(n):
        start.wait()
        owners[n].post(paths[n], data={"csrf_token": tokens[n]})

    threads = [threading.Thread(target=click, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with app.app_context():
        refunds = db.session.scalars(select(Refund.id)).all()
        db.session.remove()
    accepted = order_status(app, placed.order_id) == "paid"
    assert accepted != bool(refunds), (order_status(app, placed.order_id), refunds)
    assert _payments(app, placed.order_id)[0][3] == ("accepted" if accepted else "refunded")


def test_an_agent_accepts_a_short_payment_only_within_the_refund_limit(app, client):
    placed = _reviewed_order(app, client, 400)  # 6.00 short
    with app.app_context():
        change_setting(db.session, Actor("owner@shop.test", "owner"), "agent_refund_limit_minor", "500")
        db.session.remove()
    staff(app, client, "agent@shop.test", role="agent")
    answer = staff_post(client, f"/admin/orders/{placed.number}/accept", follow_redirects=True)
    assert "ask an owner" in answer.get_data(as_text=True)
    assert order_status(app, placed.order_id) == "review"


def test_a_second_distinct_payment_is_recorded_flagged_and_refundable(app, client, worker):
    product_id = make_product(app, price="10.00")
    stock(app, product_id, unique_codes(1))
    placed = place(app, "card")
    for _ in range(2):  # two payments, two different events and references
        headers, body = sandbox_webhook(app, placed.number, 1000)
        assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code in (200, 422)
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered", worker.log()[-2000:]
    payments = _payments(app, placed.order_id)
    assert [p[:2] for p in payments] == [(1000, "USD"), (1000, "USD")]
    assert payments[0][2] is None and "already paid" in payments[1][2]
    staff(app, client, "owner@shop.test", role="owner")
    listing = client.get("/admin/orders").get_data(as_text=True)
    assert placed.number in listing and "already paid" in listing

    with app.app_context():
        second = db.session.scalars(
            select(Payment.id).where(Payment.order_id == placed.order_id).order_by(Payment.id)
        ).all()[1]
        db.session.remove()
    assert staff_post(client, f"/admin/payments/{second}/refund").status_code == 302
    with app.app_context():
        assert db.session.execute(select(Refund.payment_id, Refund.amount_minor)).all() == [(second, 1000)]
        db.session.remove()
    assert "already paid" not in client.get("/admin/orders").get_data(as_text=True)


def test_a_second_stripe_event_of_the_same_payment_intent_is_a_duplicate(app, client, fake_stripe):
    make_product(app, price="10.00")
    placed = place(app, "card", method="stripe")
    session = fake_stripe.pay(placed.payment.provider_reference)
    answers = []
    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        headers, body = signed(event(kind, session), STRIPE_WEBHOOK_SECRET)
        answers.append(client.post("/webhooks/stripe", data=body, headers=headers).status_code)
    assert answers == [200, 200]
    assert [p[:3] for p in _payments(app, placed.order_id)] == [(1000, "USD", None)]
    assert order_status(app, placed.order_id) == "paid"


@pytest.mark.parametrize("amount", [2**31, 2**53 + 1, 2**63, 2**70])
def test_a_huge_amount_is_a_flagged_mismatch_never_a_500(app, client, fake_stripe, amount):
    make_product(app, price="10.00")
    placed = place(app, "card", method="stripe")
    session = fake_stripe.pay(placed.payment.provider_reference, amount_total=amount)
    headers, body = signed(event("checkout.session.completed", session), STRIPE_WEBHOOK_SECRET)

    answer = client.post("/webhooks/stripe", data=body, headers=headers)

    assert answer.status_code == 422, answer.text
    with app.app_context():
        order = db.session.get(Order, placed.order_id)
        assert order.status == "review" and amount_text(amount, "USD") in order.review_reason
        db.session.remove()
    payments = _payments(app, placed.order_id)
    assert payments == ([(amount, "USD", payments[0][2], "")] if amount < 2**63 else [])
    again = client.post("/webhooks/stripe", data=body, headers=headers)
    assert again.status_code == 200  # Stripe's retry is a duplicate, not a loop of errors
    staff(app, client, "owner@shop.test", role="owner")
    assert client.get(f"/admin/orders/{placed.number}").status_code == 200
    assert client.get("/admin/orders").status_code == 200
