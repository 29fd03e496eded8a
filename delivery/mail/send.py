"""The one function that sends a mail: a row this sender claimed is composed, handed to the
transport and recorded as sent or failed. Every route out (the drain, the delivering job's inline
send, a mail's own retry job, the owners' and support mail) ends here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import Message

from sqlalchemy.orm import Session

from app.core.settings import Settings
from delivery.mail.log import claim, finish
from delivery.mail.transport import is_temporary, transport

log = logging.getLogger(__name__)


def send_claimed(
    session: Session, settings: Settings, key: str, compose: Callable[[], Message], order_number: str | None = None
) -> str:
    """Return sent or failed. Every error is recorded for staff; a temporary one (or one nobody
    expected) is raised so that the caller's job is retried with backoff."""
    try:
        transport(compose(), settings.smtp_url, settings.instance / "outbox")
    except Exception as exc:  # smtplib's errors are OSErrors; anything else is a bug, recorded all the same
        session.rollback()
        finish(session, key, "failed", f"{type(exc).__name__}: {exc}")
        log.warning("mail %s failed (%s)", key, type(exc).__name__, extra={"order": order_number})
        if is_temporary(exc) or not isinstance(exc, OSError):
            raise
        return "failed"
    finish(session, key, "sent")
    log.info("mail %s sent", key, extra={"order": order_number})
    return "sent"


def claim_and_send(
    session: Session,
    settings: Settings,
    key: str,
    kind: str,
    compose: Callable[[], Message],
    order_id: int | None = None,
    order_number: str | None = None,
) -> str:
    """Sent, failed, or skipped (sent already, or another sender holds it); see send_claimed."""
    if not claim(session, key, kind, order_id):
        return "skipped"
    return send_claimed(session, settings, key, compose, order_number)
