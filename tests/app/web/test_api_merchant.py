"""The merchant's token API: orders paged, filtered and searched, one order (codes only with the codes
scope, each read audited), products with stock; never an order's secret token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.api_tokens import create_token
from app.core.audit import AuditEntry
from app.core.extensions import db
from tests.shop import make_product, pay_orders, place, stock, unique_codes, wait_for_status


def _token(app, *scopes) -> dict:
    with app.app_context():
        secret = create_token(db.session, "merchant-script", list(scopes), created_by="cli")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def _orders(client, headers, **query):
    return client.get("/api/v1/merchant/orders", headers=headers, query_string=query)


@pytest.fixture
def three_orders(app, client):
    make_product(app, "card", price="9.99")
    make_product(app, "gift", price="5.00")
    paid = pay_orders(app, client, 2)  # b0@ and b1@example.com, paid
    waiting = place(app, "gift", email="zoe@example.com")
    return paid, waiting


def test_orders_need_the_orders_scope(app, client):
    assert _orders(client, {}).status_code == 401
    refused = _orders(client, _token(app, "stock", "refunds", "codes"))
    assert refused.status_code == 403 and "'orders'" in refused.json["error"]["message"]


def test_orders_come_newest_first_a_page_at_a_time(app, client, three_orders):
    headers = _token(app, "orders")
    first = _orders(client, headers, per_page=2).json
    second = _orders(client, headers, per_page=2, page=2).json
    assert (first["page"], first["pages"], second["page"]) == (1, 2, 2)
    emails = [order["email"] for order in first["orders"] + second["orders"]]
    assert emails == ["zoe@example.com", "b1@example.com", "b0@example.com"]
    assert all("token" not in order and "codes" not in order for order in first["orders"])


def test_orders_are_filtered_and_searched_by_number_or_email(app, client, three_orders):
    _, waiting = three_orders
    headers = _token(app, "orders")

    def numbers(**query) -> list[str]:
        return [order["number"] for order in _orders(client, headers, **query).json["orders"]]

    assert numbers(q=waiting.number) == [waiting.number]
    assert numbers(q="ZOE@example") == [waiting.number]
    assert numbers(status="pending") == [waiting.number] == numbers(product="gift")
    assert len(numbers(status="paid")) == 2 and numbers(q="nobody@") == []


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "lost"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"per_page": "201"}, "per_page"),
        ({"page": "²"}, "page"),
        ({"q": "x" * 255}, "q"),
    ],
)
def test_a_wrong_query_value_is_named(app, client, query, field):
    answer = _orders(client, _token(app, "orders"), **query)
    assert answer.status_code == 422 and answer.json["error"]["field"] == field


def test_one_order_by_number_has_its_refunds_and_no_codes_without_the_codes_scope(app, client, worker):
    stock(app, make_product(app, "card", price="9.99"), unique_codes(2))
    [order_id] = pay_orders(app, client, 1)
    assert wait_for_status(app, order_id, "delivered") == "delivered"
    number = _orders(client, _token(app, "orders")).json["orders"][0]["number"]
    plain = client.get(f"/api/v1/merchant/orders/{number}", headers=_token(app, "orders"))
    assert plain.status_code == 200 and plain.json["status"] == "delivered" and plain.json["refunds"] == []
    assert "codes" not in plain.json and _code_reads(app) == []
    with_codes = client.get(f"/api/v1/merchant/orders/{number}", headers=_token(app, "orders", "codes"))
    assert len(with_codes.json["codes"]) == 1 and with_codes.headers["Cache-Control"] == "no-store"
    assert _code_reads(app) == [("api:merchant-script", f"order:{number}")]


def _code_reads(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.actor, AuditEntry.target).where(AuditEntry.action == "api.order.codes_read")
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_an_unknown_number_is_404(app, client):
    answer = client.get("/api/v1/merchant/orders/KS-NOSUCH00", headers=_token(app, "orders"))
    assert answer.status_code == 404 and "number" in answer.json["error"]["message"]


def test_products_list_every_product_with_its_stock(app, client):
    stock(app, make_product(app, "card", price="9.99"), unique_codes(3))
    make_product(app, "gift", price="5.00", currency="EUR")
    assert client.get("/api/v1/merchant/products", headers=_token(app, "orders")).status_code == 403
    products = client.get("/api/v1/merchant/products", headers=_token(app, "stock")).json["products"]
    assert [(p["slug"], p["price_minor"], p["currency"], p["stock"]) for p in products] == [
        ("card", 999, "USD", {"available": 3}),
        ("gift", 500, "EUR", {}),
    ]
