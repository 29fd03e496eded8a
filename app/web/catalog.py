"""The products a buyer can see, with their stock state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Product
from app.core.money import format_money
from keystore.stock import available_counts, stock_state


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

    def as_json(self) -> dict:
        body = {
            "slug": self.slug,
            "name": self.name,
            "price_minor": self.price_minor,
            "currency": self.currency,
            "price": self.price,
            "stock": self.stock,
        }
        if self.count is not None:
            body["stock_count"] = self.count
        return body


def product_cards(session: Session, slug: str | None = None) -> list[ProductCard]:
    query = select(Product).where(Product.active).order_by(Product.name)
    if slug is not None:
        query = query.where(Product.slug == slug)
    counts = available_counts(session)
    return [_card(p, counts.get(p.id, 0)) for p in session.scalars(query)]


def _card(product: Product, available: int) -> ProductCard:
    shows_count = product.stock_display == "count" and not product.reusable
    return ProductCard(
        product.slug,
        product.name,
        product.description,
        product.price_minor,
        product.currency,
        format_money(product.price_minor, product.currency),
        stock_state(available, product.low_stock_threshold, product.reusable),
        available if shows_count else None,
        product.id,
    )
