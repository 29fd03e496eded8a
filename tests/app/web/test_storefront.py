"""The buyer's rough edges on the storefront: a quantity above the stock is told before paying."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order
from tests.shop import csrf_from, make_product, stock, unique_codes


def _orders(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Order))
        db.session.remove()
    return count


def _buy(client, quantity: int):
    form = {"csrf_token": csrf_from(client, "/p/card"), "product": "card", "email": "buyer@example.com"}
    return client.post("/checkout", data={**form, "quantity": str(quantity), "method": "sandbox"})


def _api_order(client, quantity: int):
    body = {"product": "card", "quantity": quantity, "email": "buyer@example.com", "method": "sandbox"}
    return client.post("/api/v1/orders", json=body)


def test_a_quantity_above_the_stock_is_told_before_paying(app, client):
    stock(app, make_product(app, "card"), unique_codes(2))
    refused = _buy(client, 3)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'role="alert">quantity: only 2 in stock right now: order at most 2' in page
    assert 'name="quantity" min="1" max="10" value="3"' in page  # the buyer's choice is kept to correct
    api = _api_order(client, 3)
    assert api.status_code == 422 and api.json["error"]["field"] == "quantity"
    assert _orders(app) == 0
    assert _buy(client, 2).status_code == 303 and _api_order(client, 2).status_code == 201


def test_the_refusal_is_in_the_buyers_language(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    client.get("/?lang=de")
    assert "nur 1 auf Lager" in _buy(client, 2).get_data(as_text=True)


def test_a_sold_out_product_still_takes_an_order_that_waits_whole(app, client):
    """Sold out: the product page says the order waits for stock (and the whole order waits)."""
    make_product(app, "card")
    assert "You can still order" in client.get("/p/card").get_data(as_text=True)
    assert _api_order(client, 3).status_code == 201
