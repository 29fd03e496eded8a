"""The buyer's mail is recorded in the delivering transaction: "sending" when the delivering job
sends it itself right after (the worker is idle), "pending" (owed) when deliveries are queued.

So no mail is lost between the commit and the send (Redis away at that moment), and a busy shop
needs no job per mail: one drain job at a time sends what is owed, a batch at a time, oldest first.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import RedisError
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from app.core.db import insert_unless_present, utcnow, write_transaction
from app.core.models import Order
from app.core.settings import Settings
from delivery.mail import send_claimed_order_mail, taken_for_sending
from delivery.models import MAIL_LOG, MailLog, order_mail_key
from delivery.queues import deliveries_waiting, enqueue, enqueue_mail, redis_connection
from keystore.keyring import Keyring

log = logging.getLogger(__name__)
DRAIN_QUEUED = "keyshop:mail-drain-queued"
BATCH = 50


def owe_mail(session: Session, order_id: int, kind: str, claimed: bool = False) -> str:
    """Inside the caller's transaction: this order owes its buyer this mail (once per order and
    kind). `claimed`: the caller sends it itself right after its commit. Returns what was recorded:
    "owed", "claimed", or "" when the mail was recorded before."""
    now = utcnow()
    recorded = insert_unless_present(
        session,
        MailLog,
        key=order_mail_key(order_id, kind),
        kind=kind,
        order_id=order_id,
        last_error="",
        created_at=now,
        status="sending" if claimed else "pending",
        attempts=int(claimed),
        claimed_at=now if claimed else None,
    )
    return ("claimed" if claimed else "owed") if recorded else ""


def schedule_drain() -> bool:
    """Queue one drain job unless one is queued already; False when Redis is unreachable (the
    sweeper schedules it again). The drain clears the flag before it reads, so mail owed after
    that read finds the flag gone and queues the next drain."""
    try:
        if not redis_connection().set(DRAIN_QUEUED, 1, nx=True, ex=300):
            return True
    except RedisError as exc:
        log.warning("mail drain not scheduled (%s); the sweeper will", type(exc).__name__)
        return False
    return enqueue("notify", "delivery.jobs.send_owed_mail")


def drain(session: Session, settings: Settings, keyring: Keyring) -> int:
    """Send a batch of owed mail, oldest first, and queue the next drain when more is owed. Buyers
    waiting for codes come first: when a delivery is queued, the drain stops after the mail in hand,
    owes the rest of its batch again and queues itself behind the deliveries (workers take the
    delivery queue first). A mail that fails for a while (SMTP in trouble) is left to its own retry
    job with backoff and the drain stops there, the rest owed again. Returns how many were sent."""
    try:
        redis_connection().delete(DRAIN_QUEUED)
    except RedisError:
        pass  # the flag expires by itself
    batch, sent = _claim_owed(session), 0
    for index, (_key, order_id, kind, number) in enumerate(batch):
        rest = [later[0] for later in batch[index + 1 :]]
        try:
            sent += send_claimed_order_mail(session, settings, keyring, order_id, kind, number) == "sent"
        except Exception:
            _owe_again(session, rest)
            enqueue_mail(order_id, kind)
            return sent
        if rest and deliveries_waiting():
            _owe_again(session, rest)
            schedule_drain()
            return sent
    if len(batch) == BATCH:
        schedule_drain()
    return sent


def _claim_owed(session: Session) -> list[tuple[str, int, str, str]]:
    """Up to BATCH owed mails, oldest first, claimed in one conditional update: a mail another
    drain or an inline send claimed meanwhile is no longer pending and is not taken twice."""
    oldest = select(MAIL_LOG.c.key).where(MAIL_LOG.c.status == "pending").order_by(MAIL_LOG.c.id).limit(BATCH)
    with write_transaction(session):
        claimed = session.execute(
            update(MAIL_LOG)
            .where(MAIL_LOG.c.key.in_(oldest.scalar_subquery()), MAIL_LOG.c.status == "pending")
            .values(**taken_for_sending())
            .returning(MAIL_LOG.c.id, MAIL_LOG.c.key, MAIL_LOG.c.order_id, MAIL_LOG.c.kind)
        ).all()
        numbers = dict(
            session.execute(select(Order.id, Order.number).where(Order.id.in_({row.order_id for row in claimed}))).all()
        )
    return [(row.key, row.order_id, row.kind, numbers[row.order_id]) for row in sorted(claimed)]


def _owe_again(session: Session, keys: list[str]) -> None:
    if keys:
        with write_transaction(session):
            session.execute(
                update(MAIL_LOG)
                .where(MAIL_LOG.c.key.in_(keys), MAIL_LOG.c.status == "sending")
                .values(status="pending", attempts=MAIL_LOG.c.attempts - 1)
            )


def drain_if_owed_since(session: Session, older_than_seconds: int) -> bool:
    """The sweeper's part: owed mail older than this means its drain was lost (Redis restarted empty)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    owed = session.scalar(select(exists().where(MailLog.status == "pending", MailLog.created_at <= cutoff)))
    session.rollback()
    return bool(owed) and schedule_drain()
