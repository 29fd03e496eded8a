"""Mail is claimed in the database before it is sent, so each one goes out once."""
from __future__ import annotations

import logging
from datetime import timedelta
from email.message import Message

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow, write_transaction
from app.models import Order, order_token
from app.settings import Settings
from delivery.mail_content import COMPOSERS
from delivery.mail_transport import is_temporary, send
from delivery.models import MailLog, order_mail_key
from delivery.order_view import view_of
from delivery.queues import enqueue_mail
from keystore.keyring import Keyring

log = logging.getLogger(__name__)
STALLED_AFTER = timedelta(minutes=10)


def send_order_mail(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str) -> str:
    """The buyer's mail about an order; see send_once for what it returns and raises. A kind may name
    what it is about ("refunded:12"), so each refund gets its own mail, once."""
    composer = COMPOSERS.get(kind.split(":", 1)[0])
    if composer is None:
        return "skipped"

    def compose() -> Message:
        order = session.get(Order, order_id)
        view = view_of(session, keyring, order)
        session.rollback()
        return composer(view, f"{settings.base_url}/o/{order_token(view.number)}")

    number = session.scalar(select(Order.number).where(Order.id == order_id))
    session.rollback()  # the claim below starts its own transaction
    return send_once(session, settings, order_mail_key(order_id, kind), kind, compose, order_id, number)


def send_once(session: Session, settings: Settings, key: str, kind: str, compose, order_id: int | None = None,
              order_number: str | None = None) -> str:
    """Return sent, failed or skipped (already sent or being sent). Every error is recorded for
    staff; a temporary one (or one nobody expected) is raised so that RQ retries the job with backoff."""
    if not _claim(session, key, kind, order_id):
        return "skipped"
    try:
        send(compose(), settings.smtp_url, settings.instance / "outbox")
    except Exception as exc:  # smtplib's errors are OSErrors; anything else is a bug, recorded all the same
        session.rollback()
        _finish(session, key, "failed", f"{type(exc).__name__}: {exc}")
        log.warning("mail %s failed (%s)", key, type(exc).__name__, extra={"order": order_number})
        if is_temporary(exc) or not isinstance(exc, OSError):
            raise
        return "failed"
    _finish(session, key, "sent", "")
    log.info("mail %s sent", key, extra={"order": order_number})
    return "sent"


def _claim(session: Session, key: str, kind: str, order_id: int | None) -> bool:
    """The first attempt inserts the record; a retry may take it over only from 'failed'. The insert
    is tried first: it is the common case, and one statement instead of three."""
    try:
        with write_transaction(session):
            session.add(MailLog(key=key, kind=kind, order_id=order_id))
        return True
    except IntegrityError:  # there is a record: an earlier attempt, or a concurrent job's
        pass
    with write_transaction(session):
        return session.execute(
            update(MailLog).where(MailLog.key == key, MailLog.status == "failed")
            .values(status="sending", attempts=MailLog.attempts + 1, claimed_at=utcnow())
        ).rowcount == 1


def _finish(session: Session, key: str, status: str, error: str) -> None:
    with write_transaction(session):
        session.execute(
            update(MailLog).where(MailLog.key == key, MailLog.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )


def recover_stalled_mail(session: Session, older_than: timedelta = STALLED_AFTER) -> int:
    """An attempt still "sending" long after SMTP would have given up (10 s) is one whose worker
    died mid-send. It is marked failed, where staff see it, and an order's mail is queued again
    (the rare cost: a mail that did leave before the crash goes twice, rather than none at all)."""
    cutoff = utcnow() - older_than
    with write_transaction(session):
        stalled = session.execute(
            update(MailLog).where(MailLog.status == "sending", MailLog.claimed_at <= cutoff)
            .values(status="failed", last_error="the sender stopped before it finished; retried")
            .returning(MailLog.key)).scalars().all()
    for key in stalled:
        kind, _, rest = key.partition(":")
        if kind == "order":
            order_id, _, mail_kind = rest.partition(":")
            enqueue_mail(int(order_id), mail_kind)
    if stalled:
        log.warning("%d mail(s) left sending by a stopped worker: marked failed, order mail queued again", len(stalled))
    return len(stalled)
