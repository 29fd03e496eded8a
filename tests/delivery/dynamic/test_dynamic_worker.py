"""A dynamic product sold through a real worker process: the paid webhook's job asks the seller on
loopback, the codes reach the order page and the buyer's mail; a seller answering 500 first is asked
again by RQ's retry, with the same webhook-id, and the order is delivered once."""

from __future__ import annotations

from tests.delivery.dynamic.conftest import dynamic_product, order_codes, pay
from tests.shop import place, wait_for_status


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_sold_end_to_end_through_a_worker(smtp, app, client, worker, seller):
    dynamic_product(app, seller)
    placed = place(app, "gift-card", quantity=2, email="ada@example.com")
    pay(app, client, placed.number, 1000)
    assert wait_for_status(app, placed.order_id, "delivered") == "delivered", worker.log()[-3000:]

    [request] = seller.received
    codes = seller.given[request.message_id]
    assert request.signed and order_codes(app, placed.order_id) == codes
    page = client.get(f"/o/{placed.token}").get_data(as_text=True)
    assert all(code in page for code in codes)
    [message] = smtp.wait_for(1)
    assert message["To"] == "ada@example.com" and all(code in _text(message) for code in codes)
    assert not any(code in worker.log() for code in codes)


def test_a_500_is_asked_again_by_the_retry(app, client, worker, seller):
    dynamic_product(app, seller)
    seller.plan = [500]
    placed = place(app, "gift-card", quantity=1)
    pay(app, client, placed.number, 500)
    assert wait_for_status(app, placed.order_id, "delivered", seconds=20) == "delivered", worker.log()[-3000:]
    assert [r.message_id for r in seller.received] == [f"codes_{placed.number}"] * 2
    assert order_codes(app, placed.order_id) == seller.given[f"codes_{placed.number}"]
