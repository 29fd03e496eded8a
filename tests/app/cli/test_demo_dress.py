"""The demo shop looks like a real one: each product in a category, with its own picture."""

from __future__ import annotations

import io

from PIL import Image as Picture
from sqlalchemy import select

from app.cli.setup import seed_demo
from app.core.extensions import db
from app.core.models import Product


def test_the_demo_products_have_categories_and_pictures(app, client):
    with app.app_context():
        assert seed_demo()
        products = db.session.execute(select(Product.slug, Product.category, Product.image_id)).all()
        db.session.remove()
    assert {category for _, category, _ in products} == {"Game cards", "Gift cards", "Software"}
    for slug, _, image_id in products:
        served = client.get(f"/images/{image_id}")
        assert served.status_code == 200 and served.headers["Content-Type"].startswith("image/"), slug
        assert Picture.open(io.BytesIO(served.data)).size == (800, 500)
    home = client.get("/").get_data(as_text=True)
    assert "Game cards" in home and f"/images/{products[0][2]}" in home


def test_the_products_api_shows_each_products_category_picture_and_limit(app, client):
    with app.app_context():
        assert seed_demo()
        db.session.remove()
    listed = client.get("/api/v1/products").json["products"]
    assert {p["category"] for p in listed} == {"Game cards", "Gift cards", "Software"}
    for product in listed:
        assert client.get(product["image_url"]).status_code == 200 and product["max_per_order"] >= 1
