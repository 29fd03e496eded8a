"""The moves every outbox of messages shares (chat messages, webhook messages: tables with status,
due_at, claimed_at and last_error), each one conditional update in a transaction of its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.orm import Session

from app.core.db import changed_rows, write_transaction


def drop_pending(session: Session, messages: Table, whose: ColumnElement[bool], reason: str) -> int:
    """Pending messages (of a disabled channel or endpoint) dropped: not sent when it is enabled
    again, days later."""
    with write_transaction(session, one_statement=True):
        return changed_rows(
            session,
            update(messages).where(whose, messages.c.status == "pending").values(status="dropped", last_error=reason),
        )


def take_back_stalled(session: Session, messages: Table, claimed_before: datetime) -> int:
    """Messages still "sending" since before then: their sender died mid-send; owed again."""
    with write_transaction(session, one_statement=True):
        return changed_rows(
            session,
            update(messages)
            .where(messages.c.status == "sending", messages.c.claimed_at <= claimed_before)
            .values(status="pending", due_at=None, last_error="the sender stopped before it finished; owed again"),
        )
