"""The products a buyer can see, with their stock state; by category, and found by words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.models import Product
from app.core.money import format_money
from keystore.stock import available_counts, stock_state

SEARCH_MOST = 100  # characters of a search that are used


@dataclass(frozen=True)
class ProductCard:
    slug: str
    name: str
    description: str
    price_minor: int
    currency: str
    price: str
    stock: str  # in_stock | low | sold_out
    count: int | None  # shown only when the product is set to show its exact count
    id: int = 0
    category: str = ""
    image_id: int | None = None
    max_per_order: int = 10  # one for a reusable product

    def as_json(self) -> dict:
        body = {
            "slug": self.slug,
            "name": self.name,
            "price_minor": self.price_minor,
            "currency": self.currency,
            "price": self.price,
            "stock": self.stock,
            "category": self.category,
            "image_url": f"/images/{self.image_id}" if self.image_id else None,  # a path on this shop
            "max_per_order": self.max_per_order,
        }
        if self.count is not None:
            body["stock_count"] = self.count
        return body


def product_cards(
    session: Session, slug: str | None = None, category: str = "", words: str = "", available: dict | None = None
) -> list[ProductCard]:
    """`available`: the codes for sale per product as the caller already read them (a cached page's
    key holds what it read: the page must show that, not a later count)."""
    query = select(Product).where(Product.active).order_by(Product.category, Product.name)
    if slug is not None:
        query = query.where(Product.slug == slug)
    if category:
        query = query.where(Product.category == category)
    if words.strip():
        query = query.where(*_matching(words))
    counts = available_counts(session) if available is None else available
    return [_card(p, counts.get(p.id, 0)) for p in session.scalars(query)]


def categories(session: Session) -> list[str]:
    query = select(Product.category).where(Product.active, Product.category != "").distinct().order_by(Product.category)
    return list(session.scalars(query))


def _matching(words: str) -> list:
    """Every word in the name, the category or the description, in any case (LIKE's wildcards in the
    words are taken literally)."""
    clauses = []
    for word in words[:SEARCH_MOST].split()[:10]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (Product.name, Product.category, Product.description)
        clauses.append(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    return clauses


def _card(product: Product, available: int) -> ProductCard:
    shows_count = product.stock_display == "count" and not product.reusable and not product.dynamic
    return ProductCard(
        product.slug,
        product.name,
        product.description,
        product.price_minor,
        product.currency,
        format_money(product.price_minor, product.currency),
        "in_stock" if product.dynamic else stock_state(available, product.low_stock_threshold, product.reusable),
        available if shows_count else None,
        product.id,
        product.category,
        product.image_id,
        1 if product.reusable else product.max_per_order,
    )
