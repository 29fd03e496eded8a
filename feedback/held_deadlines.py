"""A report the policy held is staff's work with a deadline: a first decision is due some minutes
after the hold (the owner's `report_decision_minutes`), the team is warned once when most of that
time has gone (WARN_AT) and told once when it passes, by mail to whoever is subscribed to the
event and by chat, as an overdue conversation is (feedback.support.deadlines)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.db import changed_rows, utcnow, write_transaction
from app.core.models import Order
from app.core.shop_settings import setting
from delivery.mail.pace import schedule_drain
from delivery.notifications.tell import tell
from feedback.models import CodeReport
from feedback.support.clock import add_business_minutes

WARN_AT = 0.8  # of the time from hold to deadline: the warning comes with a fifth of it left
MARKS = {"report.due_soon": CodeReport.due_warned_at, "report.overdue": CodeReport.overdue_notified_at}
HELD = (CodeReport.status == "open", CodeReport.held_because != "", CodeReport.decision_due_at.is_not(None))


def report_decision_due(session: Session, held_at: datetime) -> datetime:
    """When a first decision on a report held at `held_at` is due: the owner's minutes counted in
    the shop's business hours, as support deadlines are (open all week in UTC until set)."""
    return add_business_minutes(session, held_at, int(setting(session, "report_decision_minutes")))


def deadline_state(now: datetime, held_at: datetime, due: datetime) -> str:
    """overdue, due_soon (WARN_AT of the time from hold to deadline gone) or waiting."""
    if due < now:
        return "overdue"
    return "due_soon" if now >= held_at + (due - held_at) * WARN_AT else "waiting"


def notify_held_reports(session: Session, _older_than_seconds: int = 0, now: datetime | None = None) -> int:
    """A sweep (feedback.sweeps): how many warnings and overdue notices were newly owed. Each is
    owed once per deadline, by a conditional update, whatever number of sweepers run at once."""
    now = now or utcnow()
    waiting = session.execute(
        select(
            CodeReport.id,
            CodeReport.held_at,
            CodeReport.decision_due_at,
            CodeReport.due_warned_at,
            CodeReport.overdue_notified_at,
            Order.number,
        )
        .join(Order, Order.id == CodeReport.order_id)
        .where(*HELD, or_(_not_done(CodeReport.due_warned_at), _not_done(CodeReport.overdue_notified_at)))
    ).all()
    session.rollback()
    told = 0
    for report_id, held_at, due, warned, notified, number in waiting:
        event = due and _event_due(now, held_at or due, due, warned, notified)  # HELD: a due time, always
        if due and event:
            told += _tell_once(session, report_id, due, event, number)
    if told:
        schedule_drain()
    return told


def _event_due(
    now: datetime, held_at: datetime, due: datetime, warned: datetime | None, notified: datetime | None
) -> str:
    """The event now owed for a held report, or "" (each is checked again by its conditional update)."""
    state = deadline_state(now, held_at, due)
    if state == "overdue" and (notified is None or notified < due):
        return "report.overdue"
    if state == "due_soon" and (warned is None or warned < due):
        return "report.due_soon"
    return ""


def _not_done(column: InstrumentedAttribute) -> ColumnElement[bool]:
    return or_(column.is_(None), column < CodeReport.decision_due_at)


def _tell_once(session: Session, report_id: int, due: datetime, event: str, number: str) -> int:
    mark = MARKS[event]
    with write_transaction(session):
        moved = changed_rows(
            session,
            update(CodeReport)
            .where(CodeReport.id == report_id, *HELD, CodeReport.decision_due_at == due, _not_done(mark))
            .values({mark: due}),
        )
        if moved:
            due_words = due.strftime("%Y-%m-%d %H:%M UTC")
            tell(session, event, f"{report_id}:{due.isoformat()}", number=number, report=report_id, due=due_words)
    return moved
