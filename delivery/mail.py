"""Buyer mail: each (order, kind) is claimed in the database before sending, so it goes out once."""
from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow, write_transaction
from app.models import Order, order_token
from app.settings import Settings
from delivery.mail_content import COMPOSERS
from delivery.mail_transport import is_temporary, send
from delivery.models import MailLog
from delivery.order_view import view_order
from keystore.keyring import Keyring

log = logging.getLogger(__name__)


def send_order_mail(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str) -> str:
    """Return sent, failed or skipped. Every error is recorded for staff; a temporary one is raised
    so that RQ retries the job with backoff."""
    if kind not in COMPOSERS or not _claim(session, order_id, kind):
        return "skipped"
    number = session.scalar(select(Order.number).where(Order.id == order_id))
    token = order_token(number)
    order = view_order(session, keyring, token)
    session.rollback()
    message = COMPOSERS[kind](order, f"{settings.base_url}/o/{token}")
    try:
        send(message, settings.smtp_url, settings.instance / "outbox")
    except OSError as exc:  # smtplib's errors are OSErrors too
        _finish(session, order_id, kind, "failed", f"{type(exc).__name__}: {exc}")
        log.warning("mail %s for order %s failed (%s)", kind, number, type(exc).__name__)
        if is_temporary(exc):
            raise
        return "failed"
    _finish(session, order_id, kind, "sent", "")
    log.info("mail %s for order %s sent", kind, number)
    return "sent"


def _claim(session: Session, order_id: int, kind: str) -> bool:
    """First attempt inserts the record; a retry may take it over only from 'failed'."""
    try:
        with write_transaction(session):
            retried = session.execute(
                update(MailLog).where(MailLog.order_id == order_id, MailLog.kind == kind, MailLog.status == "failed")
                .values(status="sending", attempts=MailLog.attempts + 1)
            ).rowcount
            if retried:
                return True
            if session.scalar(select(MailLog.id).where(MailLog.order_id == order_id, MailLog.kind == kind)):
                return False
            session.add(MailLog(order_id=order_id, kind=kind))
            session.flush()
            return True
    except IntegrityError:  # a concurrent job inserted it first
        return False


def _finish(session: Session, order_id: int, kind: str, status: str, error: str) -> None:
    with write_transaction(session):
        session.execute(
            update(MailLog).where(MailLog.order_id == order_id, MailLog.kind == kind, MailLog.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )
