"""The per-buyer daily limit holds when one buyer checks out many times at once (a real gunicorn)."""

from __future__ import annotations

import threading

import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order
from tests.shop import make_product, set_product

CHECKOUTS = 10


def _limit_product(app, limit: int) -> int:
    product_id = make_product(app, "card")
    set_product(app, product_id, daily_limit_per_buyer=limit)
    return product_id


def _checkout_at_once(url: str, emails: list[str]) -> list[int]:
    start, statuses = threading.Barrier(len(emails)), []

    def checkout(email: str) -> None:
        start.wait()
        statuses.append(
            requests.post(
                f"{url}/api/v1/orders",
                timeout=30,
                json={"product": "card", "quantity": 1, "email": email, "method": "sandbox"},
            ).status_code
        )

    threads = [threading.Thread(target=checkout, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def _orders_of(app, product_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(Order.product_id == product_id))
        db.session.remove()
    return count


def test_ten_checkouts_at_once_by_one_buyer_make_one_order_under_a_limit_of_one(app, live_server):
    product_id = _limit_product(app, 1)
    # One buyer, written as buyers write: the limit counts the address folded to lower case.
    emails = [("Buyer@Example.com" if n % 2 else "buyer@example.com") for n in range(CHECKOUTS)]
    statuses = _checkout_at_once(live_server.url, emails)
    assert statuses == [201] + [422] * (CHECKOUTS - 1)
    assert _orders_of(app, product_id) == 1


def test_other_buyers_are_not_held_back_by_one_buyers_limit(app, live_server):
    product_id = _limit_product(app, 1)
    statuses = _checkout_at_once(live_server.url, [f"b{n}@example.com" for n in range(CHECKOUTS)])
    assert statuses == [201] * CHECKOUTS
    assert _orders_of(app, product_id) == CHECKOUTS
