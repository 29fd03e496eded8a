"""Helpers that set up a shop through the same services the product uses."""

from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order
from app.core.products import create_product
from keystore.importer import import_codes
from payments.checkout import CheckoutChoice, place_order
from payments.registry import providers
from payments.sandbox import SIGNATURE_HEADER
from tests.secrets_in_logs import PLANTED


def empty_shop(app) -> None:
    """Empty every table but the append-only audit log, children first (between state machine runs)."""
    from sqlalchemy import delete

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in ("audit_log", "alembic_version"):
                db.session.execute(delete(table))
        db.session.commit()
        db.session.remove()


def in_app(app, action):
    """Run `action` in an app context with a session of its own, removed afterwards."""
    with app.app_context():
        try:
            return action()
        finally:
            db.session.remove()


def make_product(app, slug="card", price="9.99", currency="USD") -> int:
    with app.app_context():
        return create_product(db.session, slug=slug, name=slug.title(), price=price, currency=currency).id


def set_product(app, product_id: int, **values) -> None:
    """Change a product's settings directly (policy, limits) for a test."""
    from sqlalchemy import update

    from app.core.models import Product

    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product_id).values(**values))
        db.session.commit()
        db.session.remove()


def stock(app, product_id: int, codes: list[str], name="batch"):
    with app.app_context():
        lines = list(enumerate(codes, start=1))
        return import_codes(db.session, app.extensions["keyshop.keyring"], product_id, lines, name=name, source="test")


def unique_codes(count: int, prefix="CODE") -> list[str]:
    """Fresh codes, remembered so the end of the run can check that no log line holds one."""
    codes = [f"{prefix}-{n:06d}-{secrets.token_hex(4).upper()}" for n in range(count)]
    PLANTED.update(codes)
    return codes


def place(app, slug="card", quantity=1, email="buyer@example.com", method="sandbox"):
    with app.app_context():
        placed = place_order(db.session, CheckoutChoice(slug, quantity, email, method), providers(), "http://shop.test")
    PLANTED.add(placed.token)  # an order's secret link must never reach a log either
    return placed


def sandbox_webhook(
    app,
    number: str,
    amount: int,
    currency: str = "USD",
    kind="payment.succeeded",
    event_id: str | None = None,
    timestamp: float | None = None,
) -> tuple[dict, bytes]:
    body = json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(8),
            "type": kind,
            "order": number,
            "amount": amount,
            "currency": currency,
        }
    ).encode()
    with app.app_context():
        header = providers()["sandbox"].sign(body, timestamp)
    return {SIGNATURE_HEADER: header, "Content-Type": "application/json"}, body


def pay_orders(app, client, count: int, slug="card") -> list[int]:
    """Place `count` orders (buyers b0@example.com, b1@ ...) and post each its signed paid webhook."""
    orders = [place(app, slug, email=f"b{n}@example.com") for n in range(count)]
    for placed in orders:
        headers, body = sandbox_webhook(app, placed.number, 999)
        assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return [placed.order_id for placed in orders]


def order_status(app, order_id: int) -> str:
    with app.app_context():
        status = db.session.scalar(select(Order.status).where(Order.id == order_id))
        db.session.remove()
        return status


def order_actions(app, order_id: int) -> list[str]:
    """The order's logged actions, oldest first (shop.order.paid, ...)."""
    from app.core.models import OrderEvent

    with app.app_context():
        actions = db.session.scalars(
            select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        ).all()
        db.session.remove()
        return list(actions)


def audit_of(app, target: str, *columns) -> list[tuple]:
    """The `columns` of the audit log's entries about `target` ("batch:3", "review:7"), oldest first."""
    from app.core.audit import AuditEntry

    with app.app_context():
        rows = db.session.execute(select(*columns).where(AuditEntry.target == target).order_by(AuditEntry.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def wait_for_status(app, order_id: int, wanted: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        status = order_status(app, order_id)
        if status == wanted:
            return status
        time.sleep(0.05)
    return status


def csrf_from(client, path: str) -> str:
    """The CSRF token of the form on a page, as a browser would submit it."""
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str):
    token = csrf_from(client, "/admin/login")
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token})
