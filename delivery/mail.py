"""Mail is claimed in the database before it is sent, so each one goes out once."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import Message

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import reads_without_transaction, utcnow, write_transaction
from app.core.models import Order, order_token
from app.core.settings import Settings
from delivery.mail_content import COMPOSERS, NEED_REFUNDS
from delivery.mail_transport import is_temporary, send
from delivery.models import MAIL_LOG, MailLog, order_mail_key
from delivery.order_view import view_of
from delivery.queues import enqueue_mail
from keystore.keyring import Keyring

log = logging.getLogger(__name__)
STALLED_AFTER = timedelta(minutes=10)


def send_order_mail(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str) -> str:
    """The buyer's mail about an order; see send_once for what it returns and raises. A kind may name
    what it is about ("refunded:12"), so each refund gets its own mail, once."""
    if COMPOSERS.get(kind.split(":", 1)[0]) is None:
        return "skipped"
    number = session.scalar(select(Order.number).where(Order.id == order_id))
    session.rollback()  # the claim below starts its own transaction
    if not _claim(session, order_mail_key(order_id, kind), kind, order_id):
        return "skipped"
    return send_claimed_order_mail(session, settings, keyring, order_id, kind, number)


def send_claimed_order_mail(
    session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str, order_number: str
) -> str:
    """Send an order's mail this job has claimed ("sending"); see send_claimed."""
    composer = COMPOSERS[kind.split(":", 1)[0]]

    def compose() -> Message:
        reads_without_transaction(session)
        view = view_of(session, keyring, session.get(Order, order_id), with_refunds=composer in NEED_REFUNDS)
        session.rollback()
        return composer(view, f"{settings.base_url}/o/{order_token(view.number)}")

    return send_claimed(session, settings, order_mail_key(order_id, kind), compose, order_number)


def send_once(
    session: Session,
    settings: Settings,
    key: str,
    kind: str,
    compose,
    order_id: int | None = None,
    order_number: str | None = None,
) -> str:
    """Return sent, failed or skipped (already sent or being sent); see send_claimed."""
    if not _claim(session, key, kind, order_id):
        return "skipped"
    return send_claimed(session, settings, key, compose, order_number)


def send_claimed(session: Session, settings: Settings, key: str, compose, order_number: str | None = None) -> str:
    """Return sent or failed. Every error is recorded for staff; a temporary one (or one nobody
    expected) is raised so that RQ retries the job with backoff."""
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
    """Owed mail (recorded by its delivery) and failed mail are taken over by a conditional update;
    mail nobody recorded yet is inserted. False: it is sent, or another job is sending it."""
    try:
        with write_transaction(session):
            if (
                session.execute(
                    update(MAIL_LOG)
                    .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status.in_(("pending", "failed")))
                    .values(**taken_for_sending())
                ).rowcount
                == 1
            ):
                return True
            session.add(MailLog(key=key, kind=kind, order_id=order_id))
        return True
    except IntegrityError:  # there is a record: sent, or a concurrent job's
        return False


def taken_for_sending() -> dict:
    """The values of a mail-log row an attempt takes over (from pending or failed)."""
    return {"status": "sending", "attempts": MAIL_LOG.c.attempts + 1, "claimed_at": utcnow()}


def _finish(session: Session, key: str, status: str, error: str) -> None:
    with write_transaction(session, one_statement=True):
        session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key == key, MAIL_LOG.c.status == "sending")
            .values(status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None)
        )


def recover_stalled_mail(session: Session, older_than: timedelta = STALLED_AFTER) -> int:
    """An attempt still "sending" long after SMTP would have given up (10 s) is one whose worker
    died mid-send. It is marked failed, where staff see it, and an order's mail is queued again
    (the rare cost: a mail that did leave before the crash goes twice, rather than none at all)."""
    cutoff = utcnow() - older_than
    with write_transaction(session):
        stalled = (
            session.execute(
                update(MailLog)
                .where(MailLog.status == "sending", MailLog.claimed_at <= cutoff)
                .values(status="failed", last_error="the sender stopped before it finished; retried")
                .returning(MailLog.key)
            )
            .scalars()
            .all()
        )
    for key in stalled:
        kind, _, rest = key.partition(":")
        if kind == "order":
            order_id, _, mail_kind = rest.partition(":")
            enqueue_mail(int(order_id), mail_kind)
    if stalled:
        log.warning("%d mail(s) left sending by a stopped worker: marked failed, order mail queued again", len(stalled))
    return len(stalled)
