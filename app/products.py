"""Creating products: the price arrives in major units and is stored in minor units."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import Product
from app.money import format_money, to_minor

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ProductError(ValueError):
    pass


@dataclass(frozen=True)
class CreatedProduct:
    id: int
    slug: str
    name: str
    price: str


def create_product(session: Session, *, slug: str, name: str, price: str, currency: str,
                   description: str = "") -> CreatedProduct:
    if not SLUG.match(slug):
        raise ProductError(f"slug: {slug!r} must be lowercase letters, digits and dashes (at most 64)")
    if not name.strip():
        raise ProductError("name: must not be empty")
    try:
        price_minor = to_minor(price, currency)
    except ValueError as exc:
        raise ProductError(str(exc)) from None
    with write_transaction(session):
        if session.scalar(select(Product.id).where(Product.slug == slug)):
            raise ProductError(f"slug: a product {slug!r} already exists")
        product = Product(slug=slug, name=name.strip(), description=description, price_minor=price_minor,
                          currency=currency.upper())
        session.add(product)
        session.flush()
        created = CreatedProduct(product.id, slug, product.name, format_money(price_minor, product.currency))
    return created


def product_id_for(session: Session, slug: str) -> int:
    product_id = session.scalar(select(Product.id).where(Product.slug == slug))
    session.rollback()
    if product_id is None:
        raise ProductError(f"no product {slug!r}")
    return product_id
