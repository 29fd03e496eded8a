"""Mail is claimed in the database before it is sent, so each one goes out once."""
from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow, write_transaction
from app.models import Order, order_token
from app.settings import Settings
from delivery.mail_content import COMPOSERS
from delivery.mail_transport import is_temporary, send
from delivery.models import MailLog, order_mail_key
from delivery.order_view import view_order
from keystore.keyring import Keyring

log = logging.getLogger(__name__)


def send_order_mail(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str) -> str:
    """The buyer's mail about an order; see send_once for what it returns and raises. A kind may name
    what it is about ("refunded:12"), so each refund gets its own mail, once."""
    composer = COMPOSERS.get(kind.split(":", 1)[0])
    if composer is None:
        return "skipped"

    def compose() -> EmailMessage:
        number = session.scalar(select(Order.number).where(Order.id == order_id))
        token = order_token(number)
        order = view_order(session, keyring, token)
        session.rollback()
        return composer(order, f"{settings.base_url}/o/{token}")

    return send_once(session, settings, order_mail_key(order_id, kind), kind, compose, order_id)


def send_once(session: Session, settings: Settings, key: str, kind: str, compose, order_id: int | None = None) -> str:
    """Return sent, failed or skipped (already sent or being sent). Every error is recorded for
    staff; a temporary one is raised so that RQ retries the job with backoff."""
    if not _claim(session, key, kind, order_id):
        return "skipped"
    message = compose()
    try:
        send(message, settings.smtp_url, settings.instance / "outbox")
    except OSError as exc:  # smtplib's errors are OSErrors too
        _finish(session, key, "failed", f"{type(exc).__name__}: {exc}")
        log.warning("mail %s failed (%s)", key, type(exc).__name__)
        if is_temporary(exc):
            raise
        return "failed"
    _finish(session, key, "sent", "")
    log.info("mail %s sent", key)
    return "sent"


def _claim(session: Session, key: str, kind: str, order_id: int | None) -> bool:
    """The first attempt inserts the record; a retry may take it over only from 'failed'."""
    try:
        with write_transaction(session):
            retried = session.execute(
                update(MailLog).where(MailLog.key == key, MailLog.status == "failed")
                .values(status="sending", attempts=MailLog.attempts + 1)
            ).rowcount
            if retried:
                return True
            if session.scalar(select(MailLog.id).where(MailLog.key == key)):
                return False
            session.add(MailLog(key=key, kind=kind, order_id=order_id))
            session.flush()
            return True
    except IntegrityError:  # a concurrent job inserted it first
        return False


def _finish(session: Session, key: str, status: str, error: str) -> None:
    with write_transaction(session):
        session.execute(
            update(MailLog).where(MailLog.key == key, MailLog.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )
