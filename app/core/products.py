"""Creating products: the price arrives in major units and is stored in minor units."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import audit, require_owner
from app.core.currencies import is_tender
from app.core.db import write_transaction
from app.core.models import Product
from app.core.money import format_money, to_minor

# How a product's codes are compared; keystore.formats holds what each mode does.
NORMALISE_MODES = ("none", "case", "case_dashes")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ProductError(ValueError):
    pass


@dataclass(frozen=True)
class CreatedProduct:
    id: int
    slug: str
    name: str
    price: str


@dataclass(frozen=True)
class CodeOptions:
    """How a product's codes are imported, compared and delivered."""

    code_format: str = "text"  # text | csv
    csv_columns: str = ""  # "account,password,note" for csv
    normalise: str = "none"  # none | case | case_dashes
    reusable: bool = False
    stock_display: str = "state"  # state | count
    low_stock_threshold: int = 5

    def check(self) -> None:
        if self.code_format not in ("text", "csv"):
            raise ProductError("format: must be text or csv")
        if self.code_format == "csv" and not [c for c in self.csv_columns.split(",") if c.strip()]:
            raise ProductError("columns: a csv product needs its column names, e.g. account,password")
        if self.normalise not in NORMALISE_MODES:
            raise ProductError(f"normalise: must be one of {', '.join(NORMALISE_MODES)}")
        if self.stock_display not in ("state", "count"):
            raise ProductError("stock display: must be state or count")
        if self.low_stock_threshold < 0:
            raise ProductError("low stock threshold: must not be negative")


def create_product(
    session: Session,
    *,
    slug: str,
    name: str,
    price: str,
    currency: str,
    description: str = "",
    options: CodeOptions = CodeOptions(),
) -> CreatedProduct:
    options.check()
    if not SLUG.match(slug):
        raise ProductError(f"slug: {slug!r} must be lowercase letters, digits and dashes (at most 64)")
    if not name.strip():
        raise ProductError("name: must not be empty")
    if not is_tender(currency):
        raise ProductError(f"currency: {currency!r} is not an ISO 4217 currency code in use, e.g. USD, EUR, CNY")
    try:
        price_minor = to_minor(price, currency)
    except ValueError as exc:
        raise ProductError(str(exc)) from None
    with write_transaction(session):
        if session.scalar(select(Product.id).where(Product.slug == slug)):
            raise ProductError(f"slug: a product {slug!r} already exists")
        product = Product(
            slug=slug,
            name=name.strip(),
            description=description,
            price_minor=price_minor,
            currency=currency.upper(),
            **asdict(options),
        )
        session.add(product)
        session.flush()
        created = CreatedProduct(product.id, slug, product.name, format_money(price_minor, product.currency))
    return created


def product_for(session: Session, slug: str) -> Product:
    """The product, detached from the session's transaction (which is ended)."""
    product = session.scalar(select(Product).where(Product.slug == slug))
    if product is None:
        session.rollback()
        raise ProductError(f"no product {slug!r}")
    session.expunge(product)
    session.rollback()
    return product


def set_instructions(session: Session, actor, product_id: int, text: str) -> None:
    """How to redeem the product's codes, shown to its buyers beside their codes. Plain text."""
    text = (text or "").replace("\r", "").strip()
    if len(text) > 5000:
        raise ProductError("instructions: at most 5000 characters")
    with write_transaction(session):
        session.execute(update(Product).where(Product.id == product_id).values(instructions=text))
        audit(session, actor.email, "shop.product.instructions", f"product:{product_id}", detail=text[:200])


def set_daily_limit(session: Session, actor, product_id: int, raw: str) -> None:
    """How many of the product one buyer may order in 24 hours (0: no limit)."""
    require_owner(actor, "set purchase limits")
    if not str(raw).strip().isdigit():
        raise ProductError("daily_limit_per_buyer: a whole number, 0 for no limit")
    with write_transaction(session):
        session.execute(update(Product).where(Product.id == product_id).values(daily_limit_per_buyer=int(raw)))
        audit(session, actor.email, "shop.product.daily_limit", f"product:{product_id}", detail=str(int(raw)))
