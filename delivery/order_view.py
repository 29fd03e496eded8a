"""What a token holder may see of an order: found only through its secret token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Order, token_digest
from keystore.keyring import Keyring
from keystore.reveal import OwnedCode, code_lines_of_order
from keystore.reveals import Reveal, reveals_of, unrevealed_count
from payments.refunds import refunds_of

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
    codes: list[str]  # the usable ones: a code burned after a report is left out
    method: str = ""
    locale: str = "en"
    refunds: list[RefundLine] = field(default_factory=list)
    order_id: int = 0
    instructions: str = ""  # how to redeem, from the product
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    code_lines: list[OwnedCode] = field(default_factory=list)  # every code given, with its state
    # Codes shown on request: never in mail; listed once the buyer pressed "show" (see keystore.reveals).
    codes_on_request: bool = False
    codes_to_reveal: int = 0  # held back until the next press
    reveals: list[Reveal] = field(default_factory=list)


@dataclass(frozen=True)
class RefundLine:
    amount_minor: int
    currency: str
    status: str  # requested | pending | succeeded | manual | failed
    settled_at: datetime | None = None

    def as_json(self) -> dict:
        return {"amount_minor": self.amount_minor, "currency": self.currency, "status": self.status}


def find_order(session: Session, token: str) -> Order | None:
    """The same None for a wrong, truncated or missing token: nothing to tell them apart."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return session.scalar(select(Order).where(Order.token_digest == token_digest(token)))


def view_order(session: Session, keyring: Keyring, token: str) -> OrderView | None:
    order = find_order(session, token)
    return None if order is None else view_of(session, keyring, order)


def view_of(
    session: Session, keyring: Keyring, order: Order, with_refunds: bool = True, every_code: bool = False
) -> OrderView:
    """For the order's own holder only: callers found it through its token, or mail its holder.
    `with_refunds=False` spares a query where the refunds are not shown (most mail); `every_code`:
    also the codes its buyer has not asked to see (staff's API, which audits the read)."""
    delivered, held_back = order.status == "delivered", order.reveal_on_request and not every_code
    lines = code_lines_of_order(session, keyring, order.id, revealed_only=held_back) if delivered else []
    return OrderView(
        number=order.number,
        status=order.status,
        product_name=order.product.name,
        product_slug=order.product.slug,
        quantity=order.quantity,
        amount_minor=order.amount_minor,
        currency=order.currency,
        email=order.email,
        created_at=order.created_at,
        codes=[line.text for line in lines if line.usable],
        code_lines=lines,
        order_id=order.id,
        paid_at=order.paid_at,
        delivered_at=order.delivered_at,
        instructions=order.product.instructions,
        method=order.method,
        locale=order.locale,
        refunds=[
            RefundLine(r.amount_minor, r.currency, r.status, r.settled_at)
            for r in (refunds_of(session, order.id) if with_refunds else [])
        ],
        **(_on_request(session, order.id, delivered) if held_back else {}),
    )


def _on_request(session: Session, order_id: int, delivered: bool) -> dict:
    to_reveal = unrevealed_count(session, order_id) if delivered else 0
    return {"codes_on_request": True, "codes_to_reveal": to_reveal, "reveals": reveals_of(session, order_id)}
