"""Cached storefront pages (app.web.page_cache): every change a page shows is on the very next
request, on both backends; no visitor's token or message reaches another visitor."""

from __future__ import annotations

import re
import threading

import pytest

from app.core.audit import CLI
from app.core.extensions import db
from delivery.fulfil import fulfil
from feedback.reviews import hide_review, write_review
from tests.shop import in_app, make_product, place, sandbox_webhook, set_product, stock, unique_codes

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


def delivered_order(app, client, slug: str = "card", email: str = "buyer@example.com") -> int:
    return delivered(app, client, slug, email).order_id


def delivered(app, client, slug: str = "card", email: str = "buyer@example.com"):
    placed = place(app, slug, email=email)
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    assert in_app(app, lambda: fulfil(db.session, placed.order_id)) == "delivered"
    return placed


def test_a_price_or_text_change_shows_on_the_next_request(app, client):
    product_id = make_product(app, "card", price="9.99")
    stock(app, product_id, unique_codes(20))
    assert "$9.99" in page(client, "/p/card") and "$9.99" in page(client, "/")
    assert "$9.99" in page(client, "/p/card")  # served from the cache
    set_product(app, product_id, price_minor=1250, name="Renamed card", description="Fresh **words**")
    product, home = page(client, "/p/card"), page(client, "/")
    assert "$12.50" in product and "$9.99" not in product and "<strong>words</strong>" in product
    assert "Renamed card" in home and "$12.50" in home and "$9.99" not in home


def test_stock_crossing_sold_out_and_back_shows_at_once(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    assert "In stock" in page(client, "/p/card") or "Only a few left" in page(client, "/p/card")
    page(client, "/")
    delivered_order(app, client)  # the last code sold: no version raised, the stock is read afresh
    assert "Sold out for now" in page(client, "/p/card")
    assert "stock-sold_out" in page(client, "/")
    stock(app, product_id, unique_codes(10), name="more")  # back above the threshold of 5
    product = page(client, "/p/card")
    assert "Sold out" not in product and "stock-in_stock" in product
    assert "stock-sold_out" not in page(client, "/")


def test_a_shown_count_follows_every_sale(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, stock_display="count")
    stock(app, product_id, unique_codes(3))
    assert "3 in stock" in page(client, "/p/card")
    delivered_order(app, client)
    assert "2 in stock" in page(client, "/p/card") and "2 in stock" in page(client, "/")


def test_a_new_review_and_a_hidden_one_show_at_once(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(5))
    order_id = delivered_order(app, client)
    assert "No reviews yet" in page(client, "/p/card")
    review_id = in_app(app, lambda: write_review(db.session, order_id, 4, "Worked at once"))
    assert "Worked at once" in page(client, "/p/card")
    in_app(app, lambda: hide_review(db.session, CLI, review_id, "fraud"))
    product = page(client, "/p/card")
    assert "Worked at once" not in product and "No reviews yet" in product


def test_each_language_gets_its_own_page(app, client):
    stock(app, make_product(app, "card"), unique_codes(20))
    assert "Buy now" in page(client, "/p/card")
    german = page(client, "/p/card?lang=de")
    assert 'lang="de"' in german and "Buy now" not in german
    assert 'lang="de"' in page(client, "/p/card")  # the cookie remembers the choice
    assert 'lang="en"' in page(client, "/p/card?lang=en")


def test_no_visitor_gets_another_visitors_token_or_message(app):
    stock(app, make_product(app, "card"), unique_codes(20))
    first, second = app.test_client(), app.test_client()
    with first.session_transaction() as session:
        session["_flashes"] = [("message", "A note for the first visitor")]
    mine = page(first, "/p/card")
    theirs = page(second, "/p/card")  # the cache is warm: the second visitor's is a hit
    assert "A note for the first visitor" in mine and "A note for the first visitor" not in theirs
    tokens = TOKEN.findall(mine)[0], TOKEN.findall(theirs)[0]
    assert tokens[0] != tokens[1]
    with first.session_transaction() as session:
        assert session["csrf_token"] == tokens[0]
    with second.session_transaction() as session:
        assert session["csrf_token"] == tokens[1]
    assert TOKEN.findall(page(second, "/p/card")) == [tokens[1]]  # the same visitor keeps theirs


def test_no_page_shows_another_buyers_order(app, client):
    """Order pages are not cached: each buyer's shows their code alone, and no cached page holds one."""
    codes = unique_codes(2)
    stock(app, make_product(app, "card"), codes)
    for warm in ("/p/card", "/"):
        page(client, warm)
    orders = [delivered(app, client, email=f"b{n}@example.com") for n in range(2)]
    pages = [page(app.test_client(), f"/o/{order.token}") for order in orders]
    assert [sum(code in shown for code in codes) for shown in pages] == [1, 1]
    assert [code for code in codes if code in pages[0]] != [code for code in codes if code in pages[1]]
    for shared in (page(client, "/p/card"), page(client, "/")):
        assert not any(code in shared for code in codes) and not any(o.token in shared for o in orders)


def test_a_hidden_product_is_gone_at_once(app, client):
    product_id = make_product(app, "card")
    assert client.get("/p/card").status_code == 200
    set_product(app, product_id, active=False)
    assert client.get("/p/card").status_code == 404
    assert "Card" not in page(client, "/")
    set_product(app, product_id, active=True)
    assert client.get("/p/card").status_code == 200


@pytest.mark.parametrize("statement", ["UPDATE products SET name = 'x'", 'insert into "reviews" (id) values (1)'])
def test_writes_to_shown_tables_are_recognised(statement):
    from app.core.page_version import writes_shown_table

    assert writes_shown_table(statement)
    assert not writes_shown_table("UPDATE codes SET status = 'delivered'")
    assert not writes_shown_table("SELECT * FROM products")


def test_two_writers_at_once_both_commit_and_both_show(app, client, backend):
    """PostgreSQL: two transactions write shown tables at the same moment, the first also writing
    the second's row afterwards. The version is raised at commit, not at the first write, so neither
    waits for the other's version lock while holding a row the other wants."""
    if backend == "sqlite":
        pytest.skip("SQLite takes one writer at a time (app.core.db.write_transaction)")
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from app.core.models import Product
    from app.core.page_version import page_version

    first, second = make_product(app, "first"), make_product(app, "second")
    page(client, "/")
    before = in_app(app, lambda: page_version(db.session))
    both_wrote, errors = threading.Barrier(2, timeout=20), []

    def writer(rows: list[tuple[int, str]]) -> None:
        try:
            with app.app_context(), Session(db.engine) as session:
                for index, (product_id, name) in enumerate(rows):
                    session.execute(update(Product).where(Product.id == product_id).values(name=name))
                    if index == 0:
                        both_wrote.wait()
                session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=([(first, "First renamed"), (second, "Second by first")],)),
        threading.Thread(target=writer, args=([(second, "Second renamed")],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert in_app(app, lambda: page_version(db.session)) == before + 2
    home = page(client, "/")
    assert "First renamed" in home and "Second by first" in home
