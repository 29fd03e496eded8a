"""What each channel is owed, and the one state machine of a chat message:

    pending -> sending (claimed by its channel's job) -> sent | failed
    sending -> pending (a failed attempt, due again after its wait; a sender that died mid-send)
    pending -> dropped (its channel was disabled, or its event unticked, before it went)

Owed in the event's own transaction (delivery.notifications.tell), so no event is lost between its
commit and the send; every move is a conditional update, so two jobs never send one row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, select, update
from sqlalchemy.orm import Session

from app.core.db import enabled_for, insert_unless_present, utcnow, write_transaction
from delivery import outbox_moves
from delivery.chat.models import ChatChannel, ChatMessage

# A channel whose server keeps failing is tried again after these waits (about three and a half
# hours in all), then its messages are failed, where staff see them.
RETRY_AFTER_SECONDS = (30, 120, 600, 1800, 3600, 7200)
BATCH = 500  # one message summarises them all; a longer burst goes on in the next window
MESSAGES = ChatMessage.__table__


@dataclass(frozen=True)
class Owed:
    key: str
    event: str
    values: dict
    attempts: int


def listening(session: Session, event: str) -> list[int]:
    """The ids of the enabled channels that receive `event`."""
    return enabled_for(session, ChatChannel, event)


def owe_chat(session: Session, key: str, event: str, values: dict) -> bool:
    """Inside the caller's transaction: the event is owed to each channel receiving it, once per key.
    Whether any channel was owed it now."""
    payload = json.dumps(values, sort_keys=True, default=str)
    owed = False
    for channel_id in listening(session, event):
        owed |= insert_unless_present(
            session, ChatMessage, channel_id=channel_id, key=key, event=event, payload=payload,
            status="pending", attempts=0, last_error="", created_at=utcnow(),
        )  # fmt: skip
    return owed


def _due(now: datetime) -> ColumnElement[bool]:
    return (MESSAGES.c.status == "pending") & (MESSAGES.c.due_at.is_(None) | (MESSAGES.c.due_at <= now))


def channels_owed(session: Session) -> list[int]:
    """Channels with messages due now (the sweeper's and the drain's look)."""
    ids = session.scalars(select(MESSAGES.c.channel_id).where(_due(utcnow())).distinct()).all()
    session.rollback()
    return list(ids)


def claim(session: Session, channel_id: int) -> list[Owed]:
    """The channel's due messages, oldest first, claimed in one conditional update (inside the
    caller's transaction, which also takes the channel's window)."""
    oldest = select(MESSAGES.c.id).where(_due(utcnow()), MESSAGES.c.channel_id == channel_id)
    rows = session.execute(
        update(MESSAGES)
        .where(MESSAGES.c.id.in_(oldest.order_by(MESSAGES.c.id).limit(BATCH).scalar_subquery()))
        .where(MESSAGES.c.status == "pending")
        .values(status="sending", attempts=MESSAGES.c.attempts + 1, claimed_at=utcnow())
        .returning(MESSAGES.c.id, MESSAGES.c.key, MESSAGES.c.event, MESSAGES.c.payload, MESSAGES.c.attempts)
    ).all()
    return [Owed(r.key, r.event, json.loads(r.payload or "{}"), r.attempts) for r in sorted(rows)]


def finish(session: Session, channel_id: int, keys: list[str], status: str, error: str = "") -> None:
    """sending -> sent | failed."""
    with write_transaction(session, one_statement=True):
        session.execute(
            _sending(channel_id, keys).values(
                status=status, last_error=error[:500], sent_at=utcnow() if status == "sent" else None
            )
        )


def retry_later(session: Session, channel_id: int, owed: list[Owed], error: str) -> datetime | None:
    """After a failed attempt: owed again after its wait (when), or failed once every wait is spent (None)."""
    attempts = max(message.attempts for message in owed)
    keys = [message.key for message in owed]
    if attempts > len(RETRY_AFTER_SECONDS):
        finish(session, channel_id, keys, "failed", f"{error} (gave up after {attempts} attempts)")
        return None
    due = utcnow() + timedelta(seconds=RETRY_AFTER_SECONDS[attempts - 1])
    with write_transaction(session, one_statement=True):
        session.execute(_sending(channel_id, keys).values(status="pending", due_at=due, last_error=error[:500]))
    return due


def drop_pending(session: Session, channel_id: int, keep: tuple[str, ...] | None = None) -> int:
    """A disabled channel's owed messages (or, with `keep`, those of the events it no longer
    receives) are not sent when it is enabled again, days later, or the event ticked again."""
    owed, why = MESSAGES.c.channel_id == channel_id, "the channel was disabled"
    if keep is not None:
        owed, why = owed & MESSAGES.c.event.not_in(keep), "the channel no longer receives this event"
    return outbox_moves.drop_pending(session, MESSAGES, owed, why)


def take_back_stalled(session: Session, claimed_before: datetime) -> int:
    """Messages still "sending" since before then: their sender died mid-send; owed again."""
    return outbox_moves.take_back_stalled(session, MESSAGES, claimed_before)


def _sending(channel_id: int, keys: list[str]) -> Update:
    return update(MESSAGES).where(
        MESSAGES.c.channel_id == channel_id, MESSAGES.c.key.in_(keys), MESSAGES.c.status == "sending"
    )
