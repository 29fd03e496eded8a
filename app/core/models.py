"""The shop core: products, orders and the order's action log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, false, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.core.extensions import db

NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read aloud on the phone


class Image(db.Model):
    """A product picture or the shop's logo, as we re-encoded it (never the bytes uploaded). Rows are
    never changed: a new upload is a new row, so a served image may be cached for good."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # product | logo
    content_type: Mapped[str] = mapped_column(String(32))  # image/png | image/jpeg
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # The logo is the newest logo image not retired ("remove the logo" retires them all).
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())
    uploaded_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_images_kind_retired", "kind", "retired"),)


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # How to redeem a code, shown beside the codes on the order page.
    instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # Hidden (not active) products are off the storefront and not for sale; archived ones are also
    # off the admin's list. Neither loses its orders or codes: a product is never deleted.
    active: Mapped[bool] = mapped_column(default=True)
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    category: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    # At most this many codes in one order (a reusable product sells one, whatever this says).
    max_per_order: Mapped[int] = mapped_column(default=10, server_default="10")
    # How codes arrive and are compared: "text" (one a line) or "csv" with these columns.
    code_format: Mapped[str] = mapped_column(String(8), default="text")
    csv_columns: Mapped[str] = mapped_column(String(500), default="")
    # What the blind index ignores: "none", "case", or "case_dashes" (case, dashes and spaces).
    normalise: Mapped[str] = mapped_column(String(16), default="none")
    # A reusable ("loop") product delivers its one shared code to every buyer.
    reusable: Mapped[bool] = mapped_column(default=False)
    # Where a sale's codes come from: "stock" (claimed from uploaded batches) or "dynamic" (asked of
    # the seller's URL at the moment of sale: delivery.dynamic).
    delivery: Mapped[str] = mapped_column(String(8), default="stock", server_default="stock")
    # The storefront shows a stock "state" (in stock / low / sold out) or the exact "count".
    stock_display: Mapped[str] = mapped_column(String(8), default="state")
    low_stock_threshold: Mapped[int] = mapped_column(default=5)
    # Counts the crossings below the threshold; the owner is told once per crossing.
    low_stock_alerts: Mapped[int] = mapped_column(default=0)
    low_stock_alerted: Mapped[bool] = mapped_column(default=False)
    # A code reported as not working: "replace" it from stock at once, or "hold" it for staff.
    report_policy: Mapped[str] = mapped_column(String(8), default="replace", server_default="replace")
    # At most this many automatic replacements per buyer (email) over REPLACEMENT_WINDOW_DAYS.
    replacement_limit: Mapped[int] = mapped_column(default=3, server_default="3")
    # How many of it one buyer (email) may order in 24 hours; 0: no limit.
    daily_limit_per_buyer: Mapped[int] = mapped_column(default=0, server_default="0")
    # Codes held back on the order page until the buyer presses "show" (each press recorded), and
    # never put in mail: a code never shown goes back to stock on a refund.
    reveal_on_request: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("price_minor >= 0", name="price_not_negative"),)

    @property
    def dynamic(self) -> bool:
        """Its codes come from the seller's URL: never sold out, no low-stock alert."""
        return self.delivery == "dynamic"


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(254))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # app.core.order_states moves it
    review_reason: Mapped[str | None] = mapped_column(Text)
    # For reusable products: the shared code (codes.id) this order was given. No foreign key: codes
    # already point at orders, and a cycle would complicate every migration for little gain.
    shared_code_id: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    # The product's reveal_on_request when the order was placed: an owner turning it on later does
    # not make codes already mailed look unseen.
    reveal_on_request: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The terms the buyer accepted by ordering (a SHA-256 of their text, None when the shop had none),
    # and when: evidence against a chargeback cites them.
    terms_digest: Mapped[str | None] = mapped_column(String(64))
    terms_accepted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()

    product: Mapped[Product] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_orders_status_paid_at", "status", "paid_at"),
    )


class OrderEvent(db.Model):
    """Every state change of an order, with a dotted action name such as ``shop.order.paid``."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def order_token(number: str) -> str:
    """The buyer's secret link token: 192 bits, an HMAC of the order number under the shop's secret.

    Derived rather than stored, so mail can rebuild the link, while the table holds only its digest.
    """
    return secret_link_token(b"keyshop.order-token", number)


def secret_link_token(purpose: bytes, number: str) -> str:
    """A link token for a thing known by its number (an order, a conversation), one key per purpose."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()
    mac = hmac.new(key, number.encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(mac).decode()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_order_number() -> str:
    return "KS-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


_LOG_ORDER = insert(OrderEvent.__table__)


def log_order(session, order_id: int, action: str, detail: str = "") -> None:
    """In the caller's transaction, as one INSERT now (cheaper than the unit of work at commit),
    through a statement built once (the order is in the database: its id is known)."""
    session.execute(_LOG_ORDER, {"order_id": order_id, "action": action, "detail": detail})
