"""What buyers see of stock (a state, or an exact count), and reusable codes that never run out."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.products import CodeOptions, create_product
from delivery.fulfil import fulfil
from keystore.models import Code
from keystore.reveal import codes_of_order
from tests.shop import place, sandbox_webhook, stock, unique_codes


def _product(app, slug="card", **options) -> int:
    with app.app_context():
        return create_product(
            db.session, slug=slug, name=slug.title(), price="2.00", currency="USD", options=CodeOptions(**options)
        ).id


def _listed(client) -> dict[str, dict]:
    return {item["slug"]: item for item in client.get("/api/v1/products").json["products"]}


def _buy(app, client, slug="card") -> int:
    placed = place(app, slug)
    headers, body = sandbox_webhook(app, placed.number, 200)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    with app.app_context():
        assert fulfil(db.session, placed.order_id) == "delivered"
        db.session.remove()
    return placed.order_id


def test_the_stock_state_moves_from_in_stock_to_low_to_sold_out(app, client):
    product_id = _product(app, low_stock_threshold=2)
    stock(app, product_id, unique_codes(3))
    assert _listed(client)["card"]["stock"] == "in_stock" and "stock_count" not in _listed(client)["card"]
    _buy(app, client)
    assert _listed(client)["card"]["stock"] == "low"
    _buy(app, client)
    _buy(app, client)
    assert _listed(client)["card"]["stock"] == "sold_out"
    page = client.get("/p/card").get_data(as_text=True)
    assert "Sold out" in page


def test_a_product_may_show_its_exact_count(app, client):
    product_id = _product(app, stock_display="count")
    stock(app, product_id, unique_codes(4))
    assert _listed(client)["card"]["stock_count"] == 4
    _buy(app, client)
    assert _listed(client)["card"]["stock_count"] == 3


def test_a_reusable_code_is_given_to_every_buyer_and_never_runs_out(app, client):
    product_id = _product(app, reusable=True, stock_display="count")
    [shared] = unique_codes(1, prefix="LOOP")
    stock(app, product_id, [shared])
    orders = [_buy(app, client) for _ in range(3)]
    with app.app_context():
        keyring = app.extensions["keyshop.keyring"]
        assert [codes_of_order(db.session, keyring, order_id) for order_id in orders] == [[shared]] * 3
        assert list(db.session.scalars(select(Code.status))) == ["available"]
        db.session.remove()
    listed = _listed(client)["card"]
    assert listed["stock"] == "in_stock" and "stock_count" not in listed  # infinity has no count
