"""The storefront's catalog: categories, pictures, search, Markdown descriptions rendered safely,
and each product's own per-order maximum."""

from __future__ import annotations

import io

from tests.app.core.test_image_bytes import picture_bytes
from tests.app.web.test_admin_catalog import GOOD, post, signed_in
from tests.shop import csrf_from, make_product, set_product


def test_products_are_grouped_by_category_with_their_pictures(app, client):
    signed_in(app, client)
    post(client, "/admin/products/new", **GOOD, image=(io.BytesIO(picture_bytes()), "a.png"))
    post(client, "/admin/products/new", **{**GOOD, "slug": "netflix", "name": "Netflix", "category": "Streaming"})
    page = client.get("/").get_data(as_text=True)
    headings = [page.index(f'<h2 class="category">{name}</h2>') for name in ("Gift cards", "Streaming")]
    assert headings[0] < page.index("<h2>Steam 20 USD</h2>") < headings[1] < page.index("<h2>Netflix</h2>")
    assert 'class="card-image" src="/images/' in page
    only = client.get("/?category=Streaming").get_data(as_text=True)
    assert "Netflix" in only and "Steam 20 USD" not in only


def test_search_finds_words_in_name_category_and_description(app, client):
    make_product(app, "steam-card")
    make_product(app, "netflix-card")
    set_product(app, 2, description="Watch films", category="Streaming")
    assert "Netflix-Card" in client.get("/?q=FILMS").get_data(as_text=True)
    found = client.get("/?q=steam").get_data(as_text=True)
    assert "Steam-Card" in found and "Netflix-Card" not in found
    nothing = client.get("/?q=%25").get_data(as_text=True)  # a LIKE wildcard is a plain character
    assert "No product matches your search." in nothing


def test_the_description_is_markdown_without_script(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, description="**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    page = client.get("/p/card").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript:' not in page


def test_a_picture_is_served_with_its_type_and_nosniff(app, client):
    signed_in(app, client)
    post(client, "/admin/products/new", **GOOD, image=(io.BytesIO(picture_bytes(mode="RGBA")), "a.jpg"))
    page = client.get("/p/steam-20").get_data(as_text=True)
    src = page.split('class="product-image" src="')[1].split('"')[0]
    answer = client.get(src)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.data.startswith(b"\x89PNG")
    assert client.get(src, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    assert client.get("/images/999999").status_code == 404


def test_the_quantity_above_the_products_maximum_is_refused(app, client):
    product_id = make_product(app, "card")
    set_product(app, product_id, max_per_order=2)
    page = client.get("/p/card").get_data(as_text=True)
    assert 'max="2"' in page
    data = {"product": "card", "quantity": "3", "email": "b@example.com", "method": "sandbox"}
    refused = client.post("/checkout", data={**data, "csrf_token": csrf_from(client, "/p/card")})
    assert refused.status_code == 400 and "at most 2 of this product per order" in refused.get_data(as_text=True)
    placed = client.post("/checkout", data={**data, "quantity": "2", "csrf_token": csrf_from(client, "/p/card")})
    assert placed.status_code == 303
