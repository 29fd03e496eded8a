"""A dynamic product's sale, its jobs run in the test's process against a seller on loopback: one
signed request per paid order, the codes stored once and bound to the order like stock codes, what
is worth asking again raised for RQ, and a wrong answer put before staff at once."""

from __future__ import annotations

import json
import threading
import time

import pytest

from app.core.extensions import db
from delivery.dynamic.sale import deliver_from_seller
from delivery.dynamic.seller import Sale, SellerUnavailable, ask_seller
from delivery.ledger import check_ledger
from tests.delivery.dynamic.conftest import (
    dynamic_product,
    order_codes,
    pay,
    run_job,
)
from tests.delivery.notifications.staff import team
from tests.mail import mail_rows
from tests.shop import make_product, order_actions, order_status, place, stock, unique_codes


def _paid(app, client, seller, quantity=2):
    team(app, "delivery.failed")  # someone on the staff is told when a delivery fails
    dynamic_product(app, seller)
    placed = place(app, "gift-card", quantity=quantity)
    pay(app, client, placed.number, 500 * quantity)
    return placed


def _deliver(app, order_id: int, last_try: bool) -> str:
    with app.app_context():
        try:
            return deliver_from_seller(db.session, app.extensions["keyshop.keyring"], order_id, False, last_try).outcome
        finally:
            db.session.remove()


def _seller_jobs(app) -> list[int]:
    from rq import Queue

    jobs = Queue("delivery", connection=app.extensions["keyshop.redis"]).jobs
    return [job.args[0] for job in jobs if job.func_name == "delivery.jobs.deliver_from_seller"]


def test_paid_order_gets_the_sellers_codes_once(app, client, seller):
    placed = _paid(app, client, seller)
    assert run_job(app, "fulfil_order", placed.order_id) == "ask_seller"
    assert run_job(app, "fulfil_order", placed.order_id) == "ask_seller"  # the sweeper's, meanwhile
    assert order_status(app, placed.order_id) == "paid"
    assert _seller_jobs(app) == [placed.order_id]  # one job on its way: the second found its lease
    assert run_job(app, "deliver_from_seller", placed.order_id) == "delivered"

    [request] = seller.received
    assert request.signed and request.message_id == f"codes_{placed.number}"
    assert request.body == {
        "type": "codes.requested",
        "order": placed.number,
        "product_id": request.body["product_id"],
        "product": "gift-card",
        "quantity": 2,
        "currency": "USD",
        "amount_minor": 1000,
        "reason": "sale",
    }
    assert order_codes(app, placed.order_id) == seller.given[request.message_id]
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert all(code in page for code in seller.given[request.message_id])
    assert client.get(f"/api/v1/orders/{placed.token}").get_json()["codes"] == seller.given[request.message_id]

    assert run_job(app, "deliver_from_seller", placed.order_id) == "skipped"  # a second run: nothing asked
    assert run_job(app, "fulfil_order", placed.order_id) == "skipped"
    assert len(seller.received) == 1 and len(order_codes(app, placed.order_id)) == 2
    with app.app_context():  # `keyshop check` finds the seller's codes in order, like stock codes
        assert check_ledger(db.session, app.config["KEYSHOP"].instance) == []
        db.session.remove()


def test_two_runs_at_once_store_the_codes_once(app, client, seller):
    """Both ask (the same webhook-id: the seller gives the same codes again); one stores them."""
    placed = _paid(app, client, seller, quantity=3)
    outcomes: list[str] = []
    runs = [threading.Thread(target=lambda: outcomes.append(_deliver(app, placed.order_id, True))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sorted(outcomes) == ["delivered", "skipped"]
    assert {request.message_id for request in seller.received} == {f"codes_{placed.number}"}
    assert order_codes(app, placed.order_id) == seller.given[f"codes_{placed.number}"]
    assert order_actions(app, placed.order_id).count("shop.order.delivered") == 1


def test_unavailable_seller_is_asked_again_then_given_up(app, client, seller):
    placed = _paid(app, client, seller)
    seller.plan = [500, 503]
    for _ in range(2):  # tries with retries left: raised for RQ, nothing changed
        with pytest.raises(SellerUnavailable):
            _deliver(app, placed.order_id, last_try=False)
        assert order_status(app, placed.order_id) == "paid"
    assert _deliver(app, placed.order_id, last_try=False) == "delivered"  # the third try is answered
    assert len(seller.received) == 3 and len({r.message_id for r in seller.received}) == 1

    other = place(app, "gift-card", quantity=1, email="late@example.com")
    pay(app, client, other.number, 500)
    seller.plan = [500]
    assert _deliver(app, other.order_id, last_try=True) == "awaiting_stock"
    assert f"event:delivery.failed:{other.order_id}" in mail_rows(app, "event:delivery.failed:%")
    assert f"order:{other.order_id}:awaiting_stock" in mail_rows(app, f"order:{other.order_id}:%")


WRONG_ANSWERS = [
    b"not json at all",
    b'{"codes": "ABC"}',
    b'{"codes": ["ONE"]}',  # one where two were asked for
    b'{"codes": ["ONE", 2]}',
    b'{"codes": ["ONE", "ONE"]}',
    json.dumps({"codes": ["A" * 600, "B"]}).encode(),
    json.dumps({"codes": ["ONE\x00", "TWO"]}).encode(),
    json.dumps({"codes": ["ONE\nTWO", "THREE"]}).encode(),
    404,
    302,
]


def test_a_wrong_answer_goes_to_staff_without_asking_again(app, client, seller):
    """Each answer for an order of its own (one shop for them all: the suite's time is counted)."""
    dynamic_product(app, seller)
    team(app, "delivery.failed")
    for n, answer in enumerate(WRONG_ANSWERS):
        placed = place(app, "gift-card", quantity=2, email=f"b{n}@example.com")
        pay(app, client, placed.number, 1000)
        seller.plan, asked = [answer], len(seller.received)
        assert _deliver(app, placed.order_id, last_try=False) == "awaiting_stock", answer
        assert len(seller.received) == asked + 1 and order_codes(app, placed.order_id) == []
        assert f"event:delivery.failed:{placed.order_id}" in mail_rows(app, "event:delivery.failed:%")
        assert order_actions(app, placed.order_id)[-1] == "shop.order.awaiting_stock"
        assert _deliver(app, placed.order_id, last_try=False) == "skipped"  # not asked again
        assert len(seller.received) == asked + 1


def test_a_code_already_in_the_shop_is_not_sold_again(app, client, seller):
    taken = unique_codes(1)
    stock(app, make_product(app, "other"), taken)
    placed = _paid(app, client, seller, quantity=1)
    seller.plan = [json.dumps({"codes": taken}).encode()]
    assert _deliver(app, placed.order_id, last_try=True) == "awaiting_stock"
    assert order_codes(app, placed.order_id) == []
    assert f"event:delivery.failed:{placed.order_id}" in mail_rows(app, "event:delivery.failed:%")


def test_codes_uploaded_by_hand_go_first_and_fulfil_a_waiting_order(app, client, seller):
    placed = _paid(app, client, seller, quantity=1)
    seller.plan = [b"garbage"]
    assert _deliver(app, placed.order_id, last_try=True) == "awaiting_stock"
    by_hand = unique_codes(1)
    with app.app_context():
        from app.core.models import Product

        product_id = db.session.query(Product.id).filter_by(slug="gift-card").scalar()
        db.session.remove()
    stock(app, product_id, by_hand)
    assert run_job(app, "fulfil_order", placed.order_id) == "delivered"
    assert order_codes(app, placed.order_id) == by_hand and len(seller.received) == 1


def test_a_seller_slower_than_the_timeout_is_unavailable(seller):
    seller.secret = "whsec_" + "A" * 32
    seller.plan = [("sleep", 2)]
    sale = Sale("KS-SLOW", 1, "slow", 1, "USD", 100)
    started = time.monotonic()
    with pytest.raises(SellerUnavailable):
        ask_seller(seller.url, seller.secret, sale, sale.message_id(), timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_storefront_sells_a_dynamic_product_without_stock(app, client, seller):
    dynamic_product(app, seller)
    page = client.get("/p/gift-card").get_data(as_text=True)
    assert "In stock" in page and "Sold out" not in page
    [card] = [p for p in client.get("/api/v1/products").get_json()["products"] if p["slug"] == "gift-card"]
    assert card["stock"] == "in_stock"
    refused = client.post(
        "/api/v1/orders", json={"product": "gift-card", "quantity": 11, "email": "a@example.com", "method": "sandbox"}
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "quantity"  # max_per_order


def test_a_reported_code_is_replaced_by_asking_the_seller_again(app, client, seller):
    """Held for want of stock, then one code asked of the seller (its own webhook-id) and given as
    the replacement; a seller with nothing usable leaves the report with staff."""
    from feedback.jobs import replace_from_seller
    from tests.feedback.aftersale import codes_of, report_and_decide, report_of

    placed = _paid(app, client, seller, quantity=1)
    assert _deliver(app, placed.order_id, last_try=True) == "delivered"
    assert report_and_decide(app, client, placed) == "held"
    [(code_id, status)] = codes_of(app, placed.order_id)
    assert status == "reported" and report_of(app, code_id).held_because == "no code in stock to replace it with"
    report_id = report_of(app, code_id).id

    seller.plan = [b'{"codes": []}']
    with app.app_context():
        assert replace_from_seller(report_id) == "held"  # a wrong answer: nothing stored, staff decide
        assert replace_from_seller(report_id) == "replaced"
        assert replace_from_seller(report_id) == "skipped"  # decided: not asked again
        db.session.remove()
    asked = [r for r in seller.received if r.body["reason"] == "replacement"]
    assert [r.message_id for r in asked] == [f"codes_{placed.number}_report{report_id}"] * 2
    assert asked[0].body["quantity"] == 1 and asked[0].body["amount_minor"] == 0 and asked[0].signed
    [(_old, burned), (_new, given)] = codes_of(app, placed.order_id)
    assert (burned, given) == ("invalid", "delivered")
    assert order_codes(app, placed.order_id)[1] == seller.given[asked[1].message_id][0]
    assert report_of(app, code_id).status == "replaced"
