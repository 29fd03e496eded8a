"""What staff read of an endpoint: its latest messages, each with every attempt (when, the answer's
status, an excerpt of its body, how long it took); replaying one; and a test event owed to it alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import write_transaction
from app.core.webhook_models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.core.webhook_outbox import TEST_EVENT, owe_to
from delivery.webhooks.outbox import replay
from delivery.webhooks.pace import schedule_webhooks

SHOWN = 50


@dataclass(frozen=True)
class AttemptRow:
    at: datetime
    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str


@dataclass
class MessageRow:
    id: int
    message_id: str
    event: str
    status: str
    created_at: datetime
    due_at: datetime | None
    last_error: str
    attempts: list[AttemptRow] = field(default_factory=list)


def delivery_log(session: Session, endpoint_id: int) -> list[MessageRow]:
    """The endpoint's latest messages, newest first, with their attempts in the order they were made."""
    m = WebhookMessage
    columns = (m.id, m.message_id, m.event, m.status, m.created_at, m.due_at, m.last_error)
    query = select(*columns).where(m.endpoint_id == endpoint_id).order_by(m.id.desc()).limit(SHOWN)
    messages = {row[0]: MessageRow(*row) for row in session.execute(query)}
    a = WebhookAttempt
    attempts = select(a.message_id, a.at, a.status_code, a.response_excerpt, a.duration_ms, a.error)
    for message, at, status, excerpt, took, error in session.execute(
        attempts.where(a.message_id.in_(list(messages))).order_by(a.id)
    ):
        messages[message].attempts.append(AttemptRow(at, status, excerpt, took, error))
    session.rollback()
    return list(messages.values())


def replay_message(session: Session, actor: Actor, endpoint_id: int, message: int) -> bool:
    """Sent again, same webhook-id and body; False when it is not this endpoint's or still on its way."""
    require_owner(actor, "replay a webhook")
    if not replay(session, endpoint_id, message):
        return False
    with write_transaction(session):
        audit(session, actor.email, "shop.webhook.replayed", f"webhook:{endpoint_id}", detail=f"message {message}")
    schedule_webhooks(endpoint_id)
    return True


def send_test_event(session: Session, actor: Actor, endpoint_id: int, nonce: str) -> bool:
    """A webhook.test message owed to this endpoint alone (its log shows the answer); False: no such endpoint."""
    require_owner(actor, "send a test webhook")
    with write_transaction(session):
        if session.get(WebhookEndpoint, endpoint_id) is None:
            return False
        owe_to(session, endpoint_id, TEST_EVENT, nonce, {"endpoint_id": endpoint_id}, None)
        audit(session, actor.email, "shop.webhook.test_sent", f"webhook:{endpoint_id}")
    return True  # its job is queued by the commit (delivery.webhooks.pace)
