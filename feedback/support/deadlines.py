"""Deadlines at risk and missed: the assignee and the staff told of such conversations (by default
the owners) are told once per deadline, by mail and in chat. An answer's deadline and the
resolution's each get an at-risk notice (when the share of the target the owner chose has passed)
and a breach notice; several sweepers at once still tell each once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.db import utcnow, write_transaction
from delivery.chat.outbox import owe_chat
from delivery.mail.pace import schedule_drain
from delivery.notifications.subscriptions import subscribers
from feedback.support.models import Conversation as C
from feedback.support.notify import owe_support_mail


@dataclass(frozen=True)
class Notice:
    name: str  # in the mail's and the chat message's key: <name>:<the deadline, ISO>
    event: str
    due: InstrumentedAttribute  # the deadline
    fires: InstrumentedAttribute  # when the notice is due (the deadline itself for a breach)
    told: InstrumentedAttribute  # the deadline the notice was last sent for
    only: ColumnElement[bool]  # which conversations the deadline still binds


Column = InstrumentedAttribute


def _notices(
    prefix: str, due: Column, warn_at: Column, warned: Column, missed: Column, only: ColumnElement[bool]
) -> tuple[Notice, Notice]:
    """A deadline's at-risk notice and its breach notice (`warned`, `missed`: the deadline each was sent for)."""
    return (
        Notice(f"{prefix}at_risk", "conversation.at_risk", due, warn_at, warned, only),
        Notice(f"{prefix}overdue", "conversation.overdue", due, due, missed, only),
    )


ANSWER = _notices("", C.reply_due_at, C.reply_warn_at, C.reply_warned_at, C.overdue_notified_at, true())
RESOLUTION = _notices(
    "resolution_", C.resolution_due_at, C.resolution_warn_at, C.resolution_warned_at, C.resolution_notified_at,
    C.status != "resolved",
)  # fmt: skip
AT_RISK, OVERDUE = (ANSWER[0], RESOLUTION[0]), (ANSWER[1], RESOLUTION[1])


def notify_at_risk(session: Session, _older_than_seconds: int = 0, now: datetime | None = None) -> int:
    """A sweep (see feedback.sweeps): how many deadlines newly came at risk (and are not missed yet)."""
    return _sweep(session, AT_RISK, now or utcnow())


def notify_overdue(session: Session, _older_than_seconds: int = 0, now: datetime | None = None) -> int:
    """A sweep: how many deadlines were newly missed."""
    return _sweep(session, OVERDUE, now or utcnow())


def _sweep(session: Session, notices: tuple[Notice, ...], now: datetime) -> int:
    told = sum(_tell(session, notice, now) for notice in notices)
    if told:
        schedule_drain()
    return told


def _tell(session: Session, notice: Notice, now: datetime) -> int:
    due_now = [notice.fires < now, notice.due > now] if notice.fires is not notice.due else [notice.due < now]
    not_told = or_(notice.told.is_(None), notice.told < notice.due)
    rows = session.execute(select(C.id, notice.due, C.assignee).where(*due_now, not_told, notice.only)).all()
    session.rollback()
    told = 0
    for conversation_id, due, assignee in rows:
        with write_transaction(session):  # once per deadline, even with several sweepers
            moved = session.execute(
                update(C).where(C.id == conversation_id, notice.due == due, not_told).values({notice.told: due})
            ).rowcount
            if moved:
                _owe(session, notice, conversation_id, due, assignee)
        told += moved
    return told


def _owe(session: Session, notice: Notice, conversation_id: int, due: datetime, assignee: str) -> None:
    if assignee or subscribers(session, notice.event):
        owe_support_mail(session, conversation_id, f"{notice.name}:{due.isoformat()}")
    key = f"conversation:{conversation_id}:{notice.name}:{due.isoformat()}"  # the channels receiving it, too
    owe_chat(session, key[:120], notice.event, {"conversation": f"#{conversation_id}"})
