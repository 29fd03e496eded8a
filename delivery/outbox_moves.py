"""The moves every outbox of messages shares (chat messages, webhook messages: tables with status,
due_at, claimed_at and last_error), each one conditional update in a transaction of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit, require_owner
from app.core.db import changed_rows, write_transaction

Dropper = Callable[[Session, int], int]


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


def switch(
    session: Session, actor: Actor, place: tuple[Table, str], place_id: int, enabled: bool, drop: Dropper
) -> bool:
    """An owner turns a place messages go to on or off: `place` is its table and its kind in the audit
    log ("chat_channel", "webhook": shop.webhook.enabled, target webhook:<id>). False: no such place.
    Turned off, its owed messages are dropped, not sent when it is turned on again, days later."""
    places, kind = place
    require_owner(actor, f"change a {kind.replace('_', ' ')}")
    with write_transaction(session):
        changed = changed_rows(session, update(places).where(places.c.id == place_id).values(enabled=enabled))
        if changed:
            audit(session, actor.email, f"shop.{kind}.{'enabled' if enabled else 'disabled'}", f"{kind}:{place_id}")
    if changed and not enabled:
        drop(session, place_id)
    return bool(changed)
