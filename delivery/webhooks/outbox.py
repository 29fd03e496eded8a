"""The one state machine of a webhook message:

    pending -> sending (claimed by one sender) -> sent | failed
    sending -> pending (a failed attempt, due again after its wait; a sender that died mid-send)
    pending -> dropped (its endpoint was disabled before it went)
    sent | failed | dropped -> pending (staff replay it: the same webhook-id, the same body)

Every move is a conditional update checked by its row count, so two senders never both send one
message. One order's messages go in the order they were owed: a message is claimed only when no
earlier one of its sequence, to the same endpoint, is still pending or sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, exists, select, update
from sqlalchemy.orm import Session, aliased

from app.core.db import changed_rows, utcnow, write_transaction
from app.core.webhook_models import WebhookMessage
from delivery import outbox_moves

# After a failed attempt the next waits twice as long as the one before, from 30 s up to 6 h; after
# three days since the event the message is failed, where staff see it and may replay it.
FIRST_WAIT, LONGEST_WAIT, GIVE_UP_AFTER = timedelta(seconds=30), timedelta(hours=6), timedelta(days=3)
UNFINISHED = ("pending", "sending")
MESSAGES = WebhookMessage.__table__


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    body: str
    attempts: int
    created_at: datetime


def _due(now: datetime) -> ColumnElement[bool]:
    return (MESSAGES.c.status == "pending") & (MESSAGES.c.due_at.is_(None) | (MESSAGES.c.due_at <= now))


def _first_of_its_sequence() -> ColumnElement[bool]:
    earlier = aliased(WebhookMessage)
    return ~exists().where(
        earlier.endpoint_id == MESSAGES.c.endpoint_id,
        earlier.sequence == MESSAGES.c.sequence,
        earlier.id < MESSAGES.c.id,
        earlier.status.in_(UNFINISHED),
    )


def claim_next(session: Session, endpoint_id: int) -> Claimed | None:
    """The endpoint's oldest message due now and first of its sequence, moved to sending; None when
    there is none (or another sender took it first)."""
    now = utcnow()
    oldest = (
        select(MESSAGES.c.id)
        .where(MESSAGES.c.endpoint_id == endpoint_id, _due(now), _first_of_its_sequence())
        .order_by(MESSAGES.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL: a message another sender is claiming is passed over
        .scalar_subquery()
    )
    with write_transaction(session):
        row = session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.id == oldest, MESSAGES.c.status == "pending")
            .values(status="sending", attempts=MESSAGES.c.attempts + 1, claimed_at=now)
            .returning(
                MESSAGES.c.id, MESSAGES.c.message_id, MESSAGES.c.body, MESSAGES.c.attempts, MESSAGES.c.created_at
            )
        ).first()
    return Claimed(*row) if row else None


def finish(session: Session, message: int, status: str, error: str = "") -> bool:
    """sending -> sent | failed."""
    sent_at = utcnow() if status == "sent" else None
    with write_transaction(session, one_statement=True):
        return bool(
            changed_rows(session, _sending(message).values(status=status, last_error=error[:500], sent_at=sent_at))
        )


def next_wait(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def retry_later(session: Session, message: Claimed, error: str) -> datetime | None:
    """After a failed attempt: owed again after its wait (when), or failed once three days are spent (None)."""
    due = utcnow() + next_wait(message.attempts)
    if due > message.created_at + GIVE_UP_AFTER:
        finish(session, message.id, "failed", f"{error} (gave up after {message.attempts} attempts)")
        return None
    with write_transaction(session, one_statement=True):
        session.execute(_sending(message.id).values(status="pending", due_at=due, last_error=error[:500]))
    return due


def replay(session: Session, endpoint_id: int, message: int) -> bool:
    """Owed again at once, with its webhook-id and body: False when it is not the endpoint's, or is
    still on its way."""
    with write_transaction(session, one_statement=True):
        return bool(
            changed_rows(
                session,
                update(MESSAGES)
                .where(
                    MESSAGES.c.id == message,
                    MESSAGES.c.endpoint_id == endpoint_id,
                    MESSAGES.c.status.not_in(UNFINISHED),
                )
                .values(status="pending", due_at=None, attempts=0, created_at=utcnow(), last_error=""),
            )
        )


def drop_pending(session: Session, endpoint_id: int) -> int:
    return outbox_moves.drop_pending(
        session, MESSAGES, MESSAGES.c.endpoint_id == endpoint_id, "the endpoint was disabled"
    )


def take_back_stalled(session: Session, claimed_before: datetime) -> int:
    return outbox_moves.take_back_stalled(session, MESSAGES, claimed_before)


def endpoints_owed(session: Session) -> list[int]:
    """Endpoints with messages due now (the sweeper's look)."""
    ids = session.scalars(select(MESSAGES.c.endpoint_id).where(_due(utcnow())).distinct()).all()
    session.rollback()
    return list(ids)


def _sending(message: int) -> Update:
    return update(MESSAGES).where(MESSAGES.c.id == message, MESSAGES.c.status == "sending")
