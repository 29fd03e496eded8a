"""The products a buyer can see, with their stock state."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Product
from app.money import format_money
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

    def as_json(self) -> dict:
        return {"slug": self.slug, "name": self.name, "price_minor": self.price_minor,
                "currency": self.currency, "price": self.price, "stock": self.stock}


def product_cards(session: Session, slug: str | None = None) -> list[ProductCard]:
    query = select(Product).where(Product.active).order_by(Product.name)
    if slug is not None:
        query = query.where(Product.slug == slug)
    counts = available_counts(session)
    return [
        ProductCard(p.slug, p.name, p.description, p.price_minor, p.currency, format_money(p.price_minor, p.currency),
                    stock_state(counts.get(p.id, 0), p.low_stock_threshold))
        for p in session.scalars(query)
    ]
