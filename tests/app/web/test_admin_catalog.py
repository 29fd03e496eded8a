"""The catalog in the admin: an owner adds, edits, hides, shows, archives and restores products;
every refusal is named beside its field and writes nothing; every change is in the audit log."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.models import Image, Product
from app.core.staff import create_staff
from tests.app.core.test_image_bytes import picture_bytes
from tests.shop import csrf_from, in_app, make_product, place, sign_in, stock, unique_codes

PASSWORD = "a long staff password"
GOOD = {
    "name": "Steam 20 USD",
    "slug": "steam-20",
    "category": "Gift cards",
    "price": "19.50",
    "currency": "usd",
    "description": "**Redeem** on Steam.",
    "max_per_order": "3",
    "stock_display": "count",
    "low_stock_threshold": "2",
    "report_policy": "hold",
    "replacement_limit": "1",
    "instructions": "Open Steam, then Redeem.",
    "code_format": "text",
    "normalise": "case",
}


def signed_in(app, client, role="owner"):
    in_app(app, lambda: create_staff(db.session, f"{role}@example.com", PASSWORD, role=role))
    assert sign_in(client, f"{role}@example.com", PASSWORD).status_code == 302


def post(client, path: str, **data):
    token = csrf_from(client, "/admin/products/new")
    return client.post(path, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def product_row(app, slug: str):
    def read():
        product = db.session.scalar(select(Product).where(Product.slug == slug))
        if product is not None:
            db.session.expunge(product)
        return product

    return in_app(app, read)


def audit_actions(app) -> list[str]:
    return in_app(app, lambda: list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))))


def count(app, model) -> int:
    return in_app(app, lambda: db.session.scalar(select(func.count()).select_from(model)))


def test_an_owner_adds_a_product_with_a_picture_and_every_field_is_kept(app, client):
    signed_in(app, client)
    answer = post(client, "/admin/products/new", **GOOD, image=(io.BytesIO(picture_bytes((2400, 1200))), "x.png"))
    assert answer.status_code == 302
    product = product_row(app, "steam-20")
    assert (product.name, product.price_minor, product.currency, product.category) == (
        "Steam 20 USD",
        1950,
        "USD",
        "Gift cards",
    )
    assert (product.max_per_order, product.stock_display, product.low_stock_threshold) == (3, "count", 2)
    assert (product.report_policy, product.replacement_limit, product.normalise) == ("hold", 1, "case")
    assert product.instructions == "Open Steam, then Redeem." and product.active and not product.archived
    image = in_app(app, lambda: db.session.get(Image, product.image_id))
    assert (image.width, image.height, image.content_type) == (1200, 600, "image/jpeg")
    assert "shop.product.created" in audit_actions(app)


def test_refusals_are_shown_beside_their_fields_and_nothing_is_written(app, client):
    signed_in(app, client)
    before = count(app, Product), count(app, Image), count(app, AuditEntry)
    bad = {**GOOD, "currency": "XYZ", "slug": "Not A Slug", "name": " ", "max_per_order": "99999999999999999999"}
    answer = post(client, "/admin/products/new", **bad, image=(io.BytesIO(picture_bytes()), "x.png"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    for field in ("currency", "slug", "name", "max_per_order"):
        assert f'id="{field}-error"' in page
    assert "not an ISO 4217 currency code" in page and 'value="Not A Slug"' in page  # the form keeps what was typed
    assert (count(app, Product), count(app, Image), count(app, AuditEntry)) == before


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(app, client):
    signed_in(app, client)
    php = io.BytesIO(b"<?php system($_GET['c']); ?>")
    answer = post(client, "/admin/products/new", **GOOD, image=(php, "shell.png"))
    assert answer.status_code == 400 and 'id="image-error"' in answer.get_data(as_text=True)
    assert product_row(app, "steam-20") is None and count(app, Image) == 0


def test_hostile_values_answer_4xx_naming_the_field(app, client):
    signed_in(app, client)
    token = csrf_from(client, "/admin/products/new")
    for field, value in (
        ("name", "a\x00b"),
        ("slug", "a\x1bb"),
        ("low_stock_threshold", "²"),
        ("max_per_order", "-1"),
        ("price", "1e400"),
        ("price", "NaN"),
    ):
        body = urlencode({**GOOD, field: value, "csrf_token": token}, encoding="utf-8", errors="surrogatepass")
        answer = client.post("/admin/products/new", data=body, content_type="application/x-www-form-urlencoded")
        assert 400 <= answer.status_code < 500 and field in answer.get_data(as_text=True), (
            field,
            value,
            answer.headers,
        )
    assert count(app, Product) == 0


def test_a_taken_slug_is_refused(app, client):
    make_product(app, "steam-20")
    signed_in(app, client)
    answer = post(client, "/admin/products/new", **GOOD)
    assert answer.status_code == 400 and "another product already has this slug" in answer.get_data(as_text=True)


def test_editing_changes_the_product_and_logs_what_changed(app, client):
    product_id = make_product(app, "card")
    signed_in(app, client)
    page = client.get(f"/admin/products/{product_id}/edit").get_data(as_text=True)
    assert 'value="9.99"' in page and 'value="card"' in page
    answer = post(client, f"/admin/products/{product_id}/edit", **{**GOOD, "slug": "card", "price": "12"})
    assert answer.status_code == 302
    product = product_row(app, "card")
    assert (product.name, product.price_minor, product.category) == ("Steam 20 USD", 1200, "Gift cards")
    detail = in_app(
        app, lambda: db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "shop.product.updated"))
    )
    assert "price_minor=1200" in detail and "description" in detail


def test_how_codes_are_compared_is_fixed_once_codes_are_stored(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(1))
    signed_in(app, client)
    answer = post(client, f"/admin/products/{product_id}/edit", **{**GOOD, "slug": "card", "normalise": "case_dashes"})
    assert answer.status_code == 400 and 'id="normalise-error"' in answer.get_data(as_text=True)
    assert product_row(app, "card").normalise == "none"


def test_a_reusable_product_sells_one_per_order(app, client):
    signed_in(app, client)
    assert post(client, "/admin/products/new", **{**GOOD, "reusable": "1", "max_per_order": "5"}).status_code == 302
    assert product_row(app, "steam-20").max_per_order == 1
    refused = client.post(
        "/checkout",
        data={
            "csrf_token": csrf_from(client, "/p/steam-20"),
            "product": "steam-20",
            "quantity": "2",
            "email": "buyer@example.com",
            "method": "sandbox",
        },
    )
    assert refused.status_code == 400 and "at most 1 of this product per order" in refused.get_data(as_text=True)


def test_hide_show_archive_restore_keep_orders_and_codes(app, client):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(2))
    placed = place(app, "card")
    signed_in(app, client)
    assert post(client, f"/admin/products/{product_id}/hide").status_code == 302
    assert client.get("/p/card").status_code == 404 and "Card" not in client.get("/").get_data(as_text=True)
    post(client, f"/admin/products/{product_id}/archive")
    assert post(client, f"/admin/products/{product_id}/show").status_code == 302  # archived: show does nothing
    product = product_row(app, "card")
    assert product.archived and not product.active
    assert client.get(f"/o/{placed.token}").status_code == 200  # the order and its page remain
    post(client, f"/admin/products/{product_id}/restore")
    post(client, f"/admin/products/{product_id}/show")
    assert client.get("/p/card").status_code == 200
    actions = audit_actions(app)
    for action in ("hidden", "archived", "restored", "shown"):
        assert f"shop.product.{action}" in actions
    assert actions.count("shop.product.shown") == 1


def test_agents_cannot_change_the_catalog(app, client):
    product_id = make_product(app, "card")
    signed_in(app, client, "agent")
    assert client.get("/admin/products/new").status_code == 403
    token = csrf_from(client, f"/admin/products/{product_id}")
    answer = client.post(f"/admin/products/{product_id}/hide", data={"csrf_token": token})
    assert answer.status_code == 403 and product_row(app, "card").active


def test_the_product_list_puts_archived_products_apart(app, client):
    kept, gone = make_product(app, "kept"), make_product(app, "gone")
    signed_in(app, client)
    post(client, f"/admin/products/{gone}/archive")
    page = client.get("/admin/products").get_data(as_text=True)
    assert "1 archived product" in page and page.index("Kept") < page.index("1 archived product") < page.index("Gone")
    assert f"/admin/products/{kept}" in page


def test_a_new_picture_replaces_the_old_and_can_be_removed(app, client):
    signed_in(app, client)
    post(client, "/admin/products/new", **GOOD, image=(io.BytesIO(picture_bytes()), "a.png"))
    product = product_row(app, "steam-20")
    edit = f"/admin/products/{product.id}/edit"
    post(client, edit, **GOOD, image=(io.BytesIO(picture_bytes((10, 10))), "b.webp"))
    replaced = product_row(app, "steam-20").image_id
    assert replaced != product.image_id and f"/images/{replaced}" in client.get(edit).get_data(as_text=True)
    assert f"/images/{replaced}" in client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert post(client, f"/admin/products/{product.id}/image/remove").status_code == 302
    assert product_row(app, "steam-20").image_id is None
    assert "image_id=" in in_app(app, lambda: " ".join(db.session.scalars(select(AuditEntry.detail))))
    assert "image removed" in in_app(app, lambda: " ".join(db.session.scalars(select(AuditEntry.detail))))
