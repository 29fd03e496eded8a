"""An endpoint's job: its owed messages, one at a time, oldest first, each signed afresh under the
endpoint's secrets (both during a rotation) and logged with its answer. A 2xx answer sends it; any
other answer or none is tried again after a wait (outbox.retry_later); a URL or secret that cannot be
read back is bad data, failed at once. Safe to run twice at once: each message is claimed by one."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.standard_webhooks import headers
from app.core.webhook_models import WebhookAttempt, WebhookEndpoint
from delivery.webhooks.endpoints import binding
from delivery.webhooks.http_post import Answer, post
from delivery.webhooks.outbox import (
    Claimed,
    claim_next,
    drop_pending,
    endpoints_owed,
    finish,
    retry_later,
    take_back_stalled,
)
from delivery.webhooks.pace import schedule_webhooks, webhooks_job_started
from delivery.webhooks.signing_keys import signing_secrets
from keystore.keyring import Keyring, KeyringError
from keystore.sealing import open_text

log = logging.getLogger(__name__)
BATCH = 100  # a job's worth; the job queues itself again for the rest
STALLED_AFTER = timedelta(minutes=5)  # an attempt gives up within 15 s: a longer "sending" is a dead sender
_E = WebhookEndpoint
SENDING_COLUMNS = (_E.id, _E.enabled, _E.url_sealed, _E.secret_sealed, _E.previous_secret_sealed, _E.previous_until)


def send_endpoint(session: Session, keyring: Keyring, endpoint_id: int) -> str:
    """sent (how many), off, gone, or nothing."""
    webhooks_job_started(endpoint_id)
    endpoint = session.execute(select(*SENDING_COLUMNS).where(WebhookEndpoint.id == endpoint_id)).first()
    session.rollback()
    if endpoint is None:
        return "gone"
    if not endpoint.enabled:
        drop_pending(session, endpoint_id)
        return "off"
    sent = 0
    for _ in range(BATCH):
        message = claim_next(session, endpoint_id)
        if message is None:
            return f"sent {sent}" if sent else "nothing"
        sent += attempt(session, keyring, endpoint, message)
    schedule_webhooks(endpoint_id)
    return f"sent {sent}"


def attempt(session: Session, keyring: Keyring, endpoint: Row, message: Claimed) -> bool:
    """One attempt of one claimed message, logged; whether the endpoint took it."""
    try:
        url = open_text(keyring, binding(endpoint.id, "url"), endpoint.url_sealed)
        signed = headers(signing_secrets(keyring, endpoint), message.message_id, message.body.encode())
    except (KeyringError, ValueError) as exc:
        finish(session, message.id, "failed", f"the endpoint's URL or secret cannot be read: {type(exc).__name__}")
        return False
    answer = post(url, message.body.encode(), signed)
    _log_attempt(session, endpoint.id, message.id, answer)
    if answer.ok:
        return finish(session, message.id, "sent")
    log.warning("webhook %s to endpoint %s: %s", message.message_id, endpoint.id, answer.error)
    due = retry_later(session, message, answer.error)
    if due is not None:
        schedule_webhooks(endpoint.id, at=due)
    return False


def _log_attempt(session: Session, endpoint_id: int, message: int, answer: Answer) -> None:
    with write_transaction(session):
        session.add(
            WebhookAttempt(
                message_id=message, endpoint_id=endpoint_id, at=utcnow(), status_code=answer.status_code,
                response_excerpt=answer.excerpt, duration_ms=answer.duration_ms, error=answer.error[:300],
            )
        )  # fmt: skip


def sweep_webhooks(session: Session) -> int:
    """The sweeper's part: messages left sending by a dead sender owed again, and a job queued for
    every endpoint with messages due (its job was lost, or it waited out a failure)."""
    take_back_stalled(session, utcnow() - STALLED_AFTER)
    endpoints = endpoints_owed(session)
    for endpoint_id in endpoints:
        schedule_webhooks(endpoint_id)
    return len(endpoints)
