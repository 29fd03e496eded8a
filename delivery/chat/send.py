"""A channel's job: everything it is owed goes as one message, at most once per window. A failed
send (the chat service down, answering 500) is tried again after a wait; a URL that cannot be read
back or that Apprise no longer accepts is bad data, failed at once and never retried."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from app.core.db import changed_rows, utcnow, write_transaction
from delivery.chat.apprise_target import ChatFailed, ChatRefused, deliver
from delivery.chat.models import ChatChannel, ChatMessage
from delivery.chat.outbox import Owed, channels_owed, claim, drop_pending, finish, retry_later, take_back_stalled
from delivery.chat.pace import WINDOW, chat_job_started, schedule_chat
from delivery.chat.sealing import open_url
from delivery.chat.words import message_text
from keystore.keyring import Keyring, KeyringError

log = logging.getLogger(__name__)
CHANNELS = ChatChannel.__table__
STALLED_AFTER = timedelta(minutes=10)  # Apprise gives up within seconds: a longer "sending" is a dead sender


def send_channel(session: Session, keyring: Keyring, channel_id: int) -> str:
    """sent, waiting (the window is not over), nothing, off, gone, retry or failed."""
    chat_job_started(channel_id)
    channel = session.execute(
        select(ChatChannel.enabled, ChatChannel.url_sealed, ChatChannel.last_sent_at).where(
            ChatChannel.id == channel_id
        )
    ).first()
    session.rollback()
    if channel is None:
        return "gone"
    if not channel.enabled:
        drop_pending(session, channel_id)
        return "off"
    with write_transaction(session):
        owed = claim(session, channel_id) if _take_window(session, channel_id) else []
    if not owed:
        return _wait_for_window(session, channel_id, channel.last_sent_at)
    return _send(session, keyring, channel_id, channel.url_sealed, owed)


def _take_window(session: Session, channel_id: int) -> bool:
    """The channel's window, taken only when its last message is older than the window and something
    is due: two jobs of one channel at once never both send."""
    now = utcnow()
    free = CHANNELS.c.last_sent_at.is_(None) | (CHANNELS.c.last_sent_at <= now - WINDOW)
    taken = update(CHANNELS).where(CHANNELS.c.id == channel_id, free, exists().where(_due(channel_id, now)))
    return changed_rows(session, taken.values(last_sent_at=now)) == 1


def _due(channel_id: int, now: datetime) -> ColumnElement[bool]:
    messages = ChatMessage.__table__.c
    return (
        (messages.channel_id == channel_id)
        & (messages.status == "pending")
        & (messages.due_at.is_(None) | (messages.due_at <= now))
    )


def _wait_for_window(session: Session, channel_id: int, last_sent_at: datetime | None) -> str:
    """Nothing was claimed: either nothing is due, or the window is not over (then the job comes back)."""
    waiting = session.scalar(select(exists().where(_due(channel_id, utcnow()))))
    session.rollback()
    if not waiting:
        return "nothing"
    schedule_chat(channel_id, at=(last_sent_at or utcnow()) + WINDOW)
    return "waiting"


def _send(session: Session, keyring: Keyring, channel_id: int, sealed_url: str, owed: list[Owed]) -> str:
    keys = [message.key for message in owed]
    try:
        url = open_url(keyring, channel_id, sealed_url)
    except (KeyringError, ValueError) as exc:
        finish(session, channel_id, keys, "failed", f"the channel's URL cannot be read: {exc}")
        return "failed"
    try:
        deliver(url, message_text(owed))
    except ChatRefused as exc:
        finish(session, channel_id, keys, "failed", str(exc))
        return "failed"
    except ChatFailed as exc:
        log.warning("chat channel %s: %d message(s) not sent", channel_id, len(owed))
        due = retry_later(session, channel_id, owed, str(exc))
        if due is None:
            return "failed"
        schedule_chat(channel_id, at=due)
        return "retry"
    finish(session, channel_id, keys, "sent")
    log.info("chat channel %s: %d event(s) sent as one message", channel_id, len(owed))
    return "sent"


def sweep_chat(session: Session) -> int:
    """The sweeper's part: messages left sending by a dead sender owed again, and a job queued for
    every channel with messages due (its job was lost, or it waited out a failure)."""
    take_back_stalled(session, utcnow() - STALLED_AFTER)
    channels = channels_owed(session)
    for channel_id in channels:
        schedule_chat(channel_id)
    return len(channels)
