"""Webhooks owed to the merchant's endpoints, in the transaction of the change they tell of.

`owe_webhook` adds one message per enabled endpoint that wants the event, once per event key, with
its webhook-id and its body fixed there and then (every attempt and replay sends the same bytes).
The endpoints owed something are noted on the session; delivery.webhooks.pace queues their jobs
once the transaction commits (nothing is queued for a change that rolled back), and its sweep finds
whatever a lost hint left owed. Bodies carry ids, numbers and integer minor units with the currency:
never a code, never the order's secret token, never the buyer's email."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import enabled_for, insert_unless_present, utcnow
from app.core.models import Order, Product
from app.core.webhook_models import WebhookEndpoint, WebhookMessage

EVENT_TYPES = (
    "order.paid",
    "order.delivered",
    "order.awaiting_stock",
    "order.refunded",
    "code.reported",
    "report.decided",
    "refund.failed",
    "review.created",
    "conversation.created",
)
TEST_EVENT = "webhook.test"  # the admin's "send a test event", to one endpoint
OWED_ENDPOINTS = "keyshop.webhooks_owed"  # session.info: endpoints owed a message in this transaction


def listening(session: Session, event: str) -> list[int]:
    """The ids of the enabled endpoints that receive `event`."""
    return enabled_for(session, WebhookEndpoint, event)


def body_of(event: str, data: dict, at: datetime) -> str:
    return json.dumps({"type": event, "timestamp": at.isoformat() + "Z", "data": data}, separators=(",", ":"))


def owe_webhook(session: Session, event: str, about: str, data: dict, order_id: int | None = None) -> int:
    """Inside the caller's transaction: the event owed to each endpoint receiving it, once per
    (event, about); how many endpoints were owed it now. `order_id` keeps one order's events in order."""
    return _owe_each(session, event, about, lambda: data, order_id)


def owe_to(session: Session, endpoint_id: int, event: str, about: str, data: dict, order_id: int | None) -> bool:
    at = utcnow()
    owed = insert_unless_present(
        session, WebhookMessage, endpoint_id=endpoint_id, message_id="msg_" + secrets.token_hex(16),
        key=f"{event}:{about}"[:120], event=event, sequence=None if order_id is None else f"order:{order_id}",
        body=body_of(event, data, at), status="pending", attempts=0, last_error="", created_at=at,
    )  # fmt: skip
    if owed:
        session.info.setdefault(OWED_ENDPOINTS, set()).add(endpoint_id)
    return owed


def order_data(session: Session, order_id: int) -> dict:
    """What every order event says of its order, as it stands in the caller's transaction."""
    row = session.execute(
        select(Order.number, Order.status, Order.quantity, Order.amount_minor, Order.currency, Product.slug)
        .join(Product, Product.id == Order.product_id)
        .where(Order.id == order_id)
    ).one()
    return {
        "order_id": order_id, "number": row.number, "status": row.status, "product": row.slug,
        "quantity": row.quantity, "amount_minor": row.amount_minor, "currency": row.currency,
    }  # fmt: skip


def owe_order_event(session: Session, event: str, order_id: int, about: str = "", **extra: object) -> int:
    """An order's event (order.paid, order.delivered, ...), owed with the order's own data."""
    return _owe_each(session, event, about or str(order_id), lambda: order_data(session, order_id) | extra, order_id)


def _owe_each(session: Session, event: str, about: str, data: Callable[[], dict], order_id: int | None) -> int:
    """`data` is read only when some endpoint wants the event (no endpoint: not even the order is read)."""
    if event not in EVENT_TYPES:
        raise KeyError(event)
    endpoints = listening(session, event)
    if not endpoints:
        return 0
    values = data()
    return sum(owe_to(session, endpoint_id, event, about, values, order_id) for endpoint_id in endpoints)
