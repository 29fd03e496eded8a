"""The one drain: owed mail, a batch at a time, oldest first, through the one send function.

Mail is owed in the transaction that made it necessary (a delivery, a refund, a reply), so none is
lost between the commit and the send, and a busy shop needs no job per mail: one drain job at a time
sends what is owed (delivery.mail.pace keeps it to one). The delivering job sends its own buyer's
mail through the same loop right after its commit, when nobody else waits (see delivery.jobs).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from delivery.chat.outbox import channels_owed
from delivery.chat.pace import schedule_chat
from delivery.mail.composers import MailContext
from delivery.mail.log import MailLog, OwedMail, claim_owed, owe_again, take_back_stalled
from delivery.mail.pace import drain_started, pause_sending, schedule_drain
from delivery.mail.send import send_claimed
from delivery.queues import deliveries_waiting

log = logging.getLogger(__name__)
BATCH = 50
STALLED_AFTER = timedelta(minutes=10)  # SMTP gives up after 10 s: a longer "sending" is a dead sender


def drain(context: MailContext) -> int:
    """Send a batch of owed mail and queue the next drain when more is owed; how many were sent.
    It tries even while the delivering jobs' sending is paused: each mail's own waits (due_at) keep
    a down server from being hammered, and the first mail due after it is back goes at once."""
    drain_started()
    schedule_owed_chat(context.session)
    batch = claim_owed(context.session, BATCH)
    sent, finished = send_owed(context, batch)
    if finished and len(batch) == BATCH:
        schedule_drain()
    return sent


def schedule_owed_chat(session: Session) -> None:
    """Whoever tells staff of an event schedules this drain after its commit: the chat channels owed
    the same events get their jobs from here (each channel's own pace, see delivery.chat.pace)."""
    for channel_id in channels_owed(session):
        schedule_chat(channel_id)


def send_owed(context: MailContext, mails: list[OwedMail]) -> tuple[int, bool]:
    """Send claimed mail in order: (how many were sent, whether all were tried). Buyers waiting for
    codes come first: when a delivery is queued, the rest is owed again behind them (workers take
    the delivery queue first). An unreachable server pauses sending and the rest is owed again."""
    sent = 0
    for index, mail in enumerate(mails):
        outcome = send_claimed(context, mail)
        sent += outcome == "sent"
        rest = [later.key for later in mails[index + 1 :]]
        if outcome == "unreachable":
            pause_sending()
            owe_again(context.session, rest)
            return sent, False
        if rest and deliveries_waiting():
            owe_again(context.session, rest)
            schedule_drain()
            return sent, False
    return sent, True


def drain_if_owed_since(session: Session, older_than_seconds: int) -> bool:
    """The sweeper's part: mail owed and due for this long means its drain was lost (Redis
    restarted empty), or it waited out a passing failure."""
    cutoff, now = utcnow() - timedelta(seconds=older_than_seconds), utcnow()
    due = (MailLog.due_at.is_(None)) | (MailLog.due_at <= now)
    owed = session.scalar(select(exists().where(MailLog.status == "pending", MailLog.created_at <= cutoff, due)))
    session.rollback()
    return bool(owed) and schedule_drain()


def recover_stalled_mail(session: Session, older_than: timedelta = STALLED_AFTER) -> int:
    """The sweeper's part: mail left "sending" by a sender that died mid-send, owed again."""
    stalled = take_back_stalled(session, utcnow() - older_than)
    if stalled:
        log.warning("%d mail(s) left sending by a stopped worker: owed again", stalled)
        schedule_drain()
    return stalled
