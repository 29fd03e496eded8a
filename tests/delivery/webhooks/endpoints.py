"""Webhook endpoints for the tests: a loopback receiver that verifies every signature, an endpoint
pointed at it, the endpoint's job run in the test's own process, and the retry waits moved into the
past instead of slept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.audit import Actor
from app.core.db import utcnow
from app.core.extensions import db
from app.core.webhook_models import WebhookAttempt, WebhookMessage
from delivery.webhooks.endpoints import EndpointForm, add_endpoint
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

OWNER = Actor("owner@shop.test", "owner")
ALL_EVENTS = (
    "order.paid", "order.delivered", "order.awaiting_stock", "order.refunded", "code.reported",
    "report.decided", "refund.failed", "review.created", "conversation.created",
)  # fmt: skip


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.stop()


def add(app, receiver: WebhookReceiver, events: tuple[str, ...] = ALL_EVENTS) -> int:
    """An endpoint pointed at the receiver, whose secret the receiver now holds."""
    with app.app_context():
        form = EndpointForm(receiver.url, "the merchant's server", events)
        endpoint_id, secret = add_endpoint(db.session, app.extensions["keyshop.keyring"], OWNER, form)
        db.session.remove()
    receiver.secrets.append(secret)
    return endpoint_id


def run_job(app, endpoint_id: int) -> str:
    from delivery.jobs import send_webhooks

    with app.app_context():
        outcome = send_webhooks(endpoint_id)
        db.session.remove()
    return outcome


def in_app(app, action):
    with app.app_context():
        result = action(db.session)
        db.session.remove()
    return result


def time_passes(app, days: float = 0) -> None:
    """Every retry's wait over (and, with `days`, the messages that much older)."""
    past = utcnow() - timedelta(seconds=1)
    values = {"due_at": past} | ({"created_at": utcnow() - timedelta(days=days)} if days else {})
    in_app(
        app,
        lambda s: (
            s.execute(update(WebhookMessage).where(WebhookMessage.status == "pending").values(**values)),
            s.commit(),
        ),
    )


def messages(app) -> list[tuple[int, str, str, str, int]]:
    """(id, webhook-id, event, status, attempts) of every message, in the order they were owed."""
    m = WebhookMessage
    query = select(m.id, m.message_id, m.event, m.status, m.attempts).order_by(m.id)
    return in_app(app, lambda s: [tuple(row) for row in s.execute(query)])


def attempts(app) -> list[tuple[int, int | None, str]]:
    a = WebhookAttempt
    query = select(a.message_id, a.status_code, a.response_excerpt).order_by(a.id)
    return in_app(app, lambda s: [tuple(row) for row in s.execute(query)])


def paid_order(app, client, slug: str = "card"):
    """An order placed and paid through the sandbox's signed webhook (the paid path's own transaction)."""
    placed = place(app, slug)
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed


def shop_with_stock(app, codes: int = 5) -> list[str]:
    product_id = make_product(app)
    planted = unique_codes(codes)
    stock(app, product_id, planted)
    return planted


def deliver(app, order_id: int) -> str:
    from delivery.jobs import fulfil_order

    return in_app(app, lambda _s: fulfil_order(order_id))
