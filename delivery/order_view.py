"""What a token holder may see of an order: found only through its secret token."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order, token_digest
from keystore.keyring import Keyring
from keystore.reveal import codes_of_order

TOKEN_MAX_LENGTH = 64


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    product_name: str
    product_slug: str
    quantity: int
    amount_minor: int
    currency: str
    email: str
    created_at: datetime
    codes: list[str]


def find_order(session: Session, token: str) -> Order | None:
    """The same None for a wrong, truncated or missing token: nothing to tell them apart."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return session.scalar(select(Order).where(Order.token_digest == token_digest(token)))


def view_order(session: Session, keyring: Keyring, token: str) -> OrderView | None:
    order = find_order(session, token)
    if order is None:
        return None
    codes = codes_of_order(session, keyring, order.id) if order.status == "delivered" else []
    return OrderView(
        number=order.number, status=order.status, product_name=order.product.name,
        product_slug=order.product.slug, quantity=order.quantity, amount_minor=order.amount_minor,
        currency=order.currency, email=order.email, created_at=order.created_at, codes=codes,
    )
