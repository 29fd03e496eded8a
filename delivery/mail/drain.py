"""The one drain: owed order mail, a batch at a time, oldest first.

Order mail is owed in the transaction that made it necessary (a delivery, a refund, a decision), so
no mail is lost between the commit and the send, and a busy shop needs no job per mail: one drain
job at a time sends what is owed. A Redis flag keeps to one queued drain; when Redis loses it, the
sweeper finds the owed rows and schedules the drain again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import RedisError
from rq import Retry
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.settings import Settings
from delivery.mail.log import MailLog, claim_owed, owe_again, take_back_stalled
from delivery.mail.order_mail import send_claimed_order_mail
from delivery.queues import deliveries_waiting, enqueue, redis_connection
from keystore.keyring import Keyring

log = logging.getLogger(__name__)
DRAIN_QUEUED = "keyshop:mail-drain-queued"
BATCH = 50
STALLED_AFTER = timedelta(minutes=10)  # SMTP gives up after 10 s: a longer "sending" is a dead sender
RETRY = Retry(max=6, interval=[5, 30, 120, 600, 1800, 3600])


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
    """Send a batch of owed mail and queue the next drain when more is owed. Buyers waiting for
    codes come first: when a delivery is queued, the drain stops after the mail in hand, owes the
    rest of its batch again and queues itself behind the deliveries (workers take the delivery
    queue first). A mail that fails for a while (SMTP in trouble) is left to its own retry job with
    backoff and the drain stops there, the rest owed again. Returns how many were sent."""
    try:
        redis_connection().delete(DRAIN_QUEUED)
    except RedisError:
        pass  # the flag expires by itself
    batch, sent = claim_owed(session, BATCH), 0
    for index, (_key, order_id, kind, number) in enumerate(batch):
        rest = [later[0] for later in batch[index + 1 :]]
        try:
            sent += send_claimed_order_mail(session, settings, keyring, order_id, kind, number) == "sent"
        except Exception:
            owe_again(session, rest)
            enqueue_one_order_mail(order_id, kind)
            return sent
        if rest and deliveries_waiting():
            owe_again(session, rest)
            schedule_drain()
            return sent
    if len(batch) == BATCH:
        schedule_drain()
    return sent


def enqueue_one_order_mail(order_id: int, kind: str) -> bool:
    """One order mail in a job of its own, retried with backoff: a mail whose send failed (the
    drain does not wait on a server that refuses) and the lookup's link. Its claim takes a failed
    row over and finds a sent one, so no retry sends twice."""
    return enqueue("notify", "delivery.jobs.send_one_order_mail", order_id, kind, retry=RETRY)


def drain_if_owed_since(session: Session, older_than_seconds: int) -> bool:
    """The sweeper's part: owed mail older than this means its drain was lost (Redis restarted empty)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    owed = session.scalar(select(exists().where(MailLog.status == "pending", MailLog.created_at <= cutoff)))
    session.rollback()
    return bool(owed) and schedule_drain()


def recover_stalled_mail(session: Session, older_than: timedelta = STALLED_AFTER) -> int:
    """The sweeper's part: mail left "sending" by a sender that died mid-send. An order's mail is
    owed again and the drain takes it; see take_back_stalled."""
    stalled = take_back_stalled(session, utcnow() - older_than)
    if stalled:
        log.warning("%d mail(s) left sending by a stopped worker: owed again or failed", stalled)
        schedule_drain()
    return stalled
