"""POST /webhooks/<provider>: only verified, matching events move money state, and each one once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order, OrderEvent
from keystore.models import Code
from payments.models import Payment, WebhookEvent
from tests.shop import make_product, order_status, place, sandbox_webhook, stock, unique_codes, wait_for_status


def _count(app, model, *where) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.remove()
        return count


def _order(app, order_id: int) -> Order:
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        db.session.remove()
        return order


def _pending_order(app, price="9.99", currency="USD"):
    make_product(app, "card", price=price, currency=currency)
    return place(app, "card")


def test_a_verified_payment_marks_the_order_paid_once(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 999)

    answer = client.post("/webhooks/sandbox", data=body, headers=headers)

    assert answer.status_code == 200, answer.text
    assert order_status(app, placed.order_id) == "paid"
    assert _count(app, Payment, Payment.order_id == placed.order_id) == 1
    assert _count(app, OrderEvent, OrderEvent.order_id == placed.order_id, OrderEvent.action == "shop.order.paid") == 1


def test_a_replayed_event_is_answered_200_and_changes_nothing(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 999, event_id="evt_replayed")

    first = client.post("/webhooks/sandbox", data=body, headers=headers)
    again = client.post("/webhooks/sandbox", data=body, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert _count(app, WebhookEvent) == 1
    assert _count(app, Payment) == 1


def test_a_bad_signature_is_rejected_and_nothing_is_stored(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 999)
    tampered = body.replace(b"999", b"1")

    answer = client.post("/webhooks/sandbox", data=tampered, headers=headers)

    assert answer.status_code == 400 and "signature" in answer.text
    assert order_status(app, placed.order_id) == "pending"
    assert _count(app, WebhookEvent) == 0


def test_a_missing_signature_header_is_rejected(app, client):
    placed = _pending_order(app)
    _, body = sandbox_webhook(app, placed.number, 999)

    answer = client.post("/webhooks/sandbox", data=body, headers={"Content-Type": "application/json"})

    assert answer.status_code == 400 and "header missing" in answer.text
    assert order_status(app, placed.order_id) == "pending"


def test_old_and_future_timestamps_are_rejected(app, client):
    placed = _pending_order(app)
    for skew in (-301, 301):
        headers, body = sandbox_webhook(app, placed.number, 999, timestamp=time.time() + skew)
        answer = client.post("/webhooks/sandbox", data=body, headers=headers)
        assert answer.status_code == 400 and "tolerance" in answer.text, skew
    headers, body = sandbox_webhook(app, placed.number, 999, timestamp=time.time() - 250)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert order_status(app, placed.order_id) == "paid"


def test_a_wrong_amount_puts_the_order_in_review_with_the_money_recorded_and_flagged(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 1)

    answer = client.post("/webhooks/sandbox", data=body, headers=headers)

    assert answer.status_code == 422 and "does not match" in answer.text
    order = _order(app, placed.order_id)
    assert order.status == "review" and "1 USD" in order.review_reason
    assert _count(app, Payment, Payment.amount_minor == 1, Payment.flag.is_not(None)) == 1
    assert _count(app, OrderEvent, OrderEvent.action == "shop.order.flagged") == 1


def test_a_wrong_currency_puts_the_order_in_review(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 999, currency="EUR")

    answer = client.post("/webhooks/sandbox", data=body, headers=headers)

    assert answer.status_code == 422
    assert _order(app, placed.order_id).status == "review"
    assert _count(app, Payment, Payment.currency == "EUR", Payment.flag.is_not(None)) == 1


def test_an_unknown_order_is_422_and_nothing_is_stored(app, client):
    _pending_order(app)
    headers, body = sandbox_webhook(app, "KS-NOSUCH00", 999)

    answer = client.post("/webhooks/sandbox", data=body, headers=headers)

    assert answer.status_code == 422 and "KS-NOSUCH00" in answer.text
    assert _count(app, WebhookEvent) == 0 and _count(app, Payment) == 0


def test_malformed_json_is_400(app, client):
    with app.app_context():
        from payments.registry import providers

        body = b'{"id": "evt_1", "type": '
        headers = {"Keyshop-Signature": providers()["sandbox"].sign(body)}
    answer = client.post("/webhooks/sandbox", data=body, headers=headers)
    assert answer.status_code == 400 and "not readable" in answer.text


def test_a_float_amount_is_refused_as_bad_data(app, client):
    placed = _pending_order(app)
    body = json.dumps(
        {"id": "evt_f", "type": "payment.succeeded", "order": placed.number, "amount": 9.99, "currency": "USD"}
    ).encode()
    with app.app_context():
        from payments.registry import providers

        headers = {"Keyshop-Signature": providers()["sandbox"].sign(body)}
    answer = client.post("/webhooks/sandbox", data=body, headers=headers)
    assert answer.status_code == 400 and "minor units" in answer.text
    assert order_status(app, placed.order_id) == "pending"


def test_an_unknown_provider_is_404(app, client):
    assert client.post("/webhooks/nosuchpay", data=b"{}").status_code == 404


def test_a_failed_payment_fails_a_pending_order_but_not_a_paid_one(app, client):
    placed = _pending_order(app)
    paid_headers, paid_body = sandbox_webhook(app, placed.number, 999)
    client.post("/webhooks/sandbox", data=paid_body, headers=paid_headers)
    headers, body = sandbox_webhook(app, placed.number, 999, kind="payment.failed")

    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert order_status(app, placed.order_id) == "paid"


def test_a_late_success_after_a_failure_still_pays_the_order(app, client):
    placed = _pending_order(app)
    headers, body = sandbox_webhook(app, placed.number, 999, kind="payment.failed")
    client.post("/webhooks/sandbox", data=body, headers=headers)
    assert order_status(app, placed.order_id) == "failed"
    headers, body = sandbox_webhook(app, placed.number, 999)

    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert order_status(app, placed.order_id) == "paid"


def test_twenty_concurrent_copies_of_one_webhook_sell_one_code(app, live_server, worker):
    product_id = make_product(app, "card", price="9.99")
    stock(app, product_id, unique_codes(5))
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999, event_id="evt_storm")

    def deliver(_):
        return requests.post(f"{live_server.url}/webhooks/sandbox", data=body, headers=headers, timeout=15).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(deliver, range(20)))

    assert answers == [200] * 20
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered", worker.log()[-2000:]
    assert _count(app, WebhookEvent) == 1
    assert _count(app, Payment) == 1
    assert _count(app, Code, Code.order_id == placed.order_id) == 1
    assert _count(app, Code, Code.status == "available") == 4
