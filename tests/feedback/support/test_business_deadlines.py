"""Deadlines in business time: set on opening, on each buyer message, cleared and measured by a staff
reply and a resolution; the figures each reply and resolution keep; standing in the inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.core.audit import Actor
from feedback.support import desk
from feedback.support.conversations import Opening, buyer_writes, open_conversation
from feedback.support.models import Conversation, Message
from feedback.support.target_metrics import target_report
from feedback.support.urgency import standing
from tests.feedback.support.desk_clock import HOURS, WEEKDAYS_9_TO_5, configure, session

__all__ = ["session"]

AGENT = Actor("agent@shop.test", "agent")
BERLIN = {"support_timezone": "Europe/Berlin", **WEEKDAYS_9_TO_5, "support_warn_percent": "50"}
SERVICE = {
    "support_first_response_minutes_service": "120",
    "support_next_response_minutes_service": "60",
    "support_resolution_minutes_service": "960",
}
# Berlin in December is UTC+1: open 08:00-16:00 UTC. 2026-12-04 is a Friday.
FRIDAY_16H, MONDAY, TUESDAY = datetime(2026, 12, 4, 15), (2026, 12, 7), (2026, 12, 8)


def _deadlines(session, conversation_id: int) -> tuple:
    c = session.get(Conversation, conversation_id)
    row = (c.reply_owed_since, c.reply_warn_at, c.reply_due_at, c.resolution_warn_at, c.resolution_due_at)
    session.rollback()
    return row


def _responses(session, conversation_id: int) -> list[tuple]:
    rows = session.execute(
        select(Message.response, Message.author, Message.response_minutes, Message.response_due_at)
        .where(Message.conversation_id == conversation_id, Message.author_kind == "staff")
        .order_by(Message.id)
    ).all()
    session.rollback()
    return [tuple(row) for row in rows]


def test_deadlines_follow_the_opening_hours_through_a_conversation(app, session):
    configure(session, **BERLIN, **SERVICE)
    opened = open_conversation(session, HOURS, Opening("b@example.com", "invoice", "help"), now=FRIDAY_16H)
    cid = opened.conversation_id
    # First response, 120 business minutes: Friday's last hour, then Monday's first. Warned at half.
    # Resolution, 960: Friday 60 + Monday 480 + Tuesday 420. Warned at half, Monday 15:00 UTC.
    assert _deadlines(session, cid) == (
        FRIDAY_16H,
        datetime(2026, 12, 4, 16),
        datetime(*MONDAY, 9),
        datetime(*MONDAY, 15),
        datetime(*TUESDAY, 15),
    )
    assert session.get(Conversation, cid).first_due_at == datetime(*MONDAY, 9)
    session.rollback()
    assert standing(session.get(Conversation, cid), now=datetime(2026, 12, 4, 15, 30)) == "due"
    assert standing(session.get(Conversation, cid), now=datetime(2026, 12, 5, 12)) == "at_risk"  # a Saturday
    session.rollback()

    desk.reply(session, AGENT, cid, "on it", now=datetime(*MONDAY, 8, 30))  # 60 + 30 business minutes
    assert _responses(session, cid) == [("first", AGENT.email, 90, datetime(*MONDAY, 9))]
    assert _deadlines(session, cid)[:3] == (None, None, None)

    buyer_writes(session, HOURS, cid, "and the VAT id?", now=datetime(*MONDAY, 15, 30))
    owed = (datetime(*MONDAY, 15, 30), datetime(*MONDAY, 16), datetime(*TUESDAY, 8, 30))  # next response: 60
    assert _deadlines(session, cid)[:3] == owed
    buyer_writes(session, HOURS, cid, "hello?", now=datetime(*MONDAY, 15, 45))  # the clock runs from the first
    assert _deadlines(session, cid)[:3] == owed

    desk.reply(session, AGENT, cid, "here it is", now=datetime(*TUESDAY, 8, 40))  # 30 + 40: ten minutes late
    assert _responses(session, cid)[1] == ("next", AGENT.email, 70, datetime(*TUESDAY, 8, 30))

    desk.resolve_conversation(session, AGENT, cid, now=datetime(*TUESDAY, 14))
    c = session.get(Conversation, cid)
    assert (c.resolved_by, c.resolution_minutes, c.reply_due_at) == (AGENT.email, 60 + 480 + 360, None)
    assert standing(c, now=datetime(*TUESDAY, 16)) == ""  # resolved: nothing binds
    session.rollback()

    # Written to again on Wednesday: an answer is owed within the next-response target, and the
    # resolution deadline (from the opening) has passed.
    buyer_writes(session, HOURS, cid, "one more thing", now=datetime(2026, 12, 9, 10))
    assert _deadlines(session, cid)[2] == datetime(2026, 12, 9, 11)
    assert standing(session.get(Conversation, cid), now=datetime(2026, 12, 9, 10, 1)) == "breached"
    session.rollback()

    report = target_report(session, 7, now=datetime(2026, 12, 9, 10, 30))
    first, following, resolution = (
        report.overall.targets[t] for t in ("first_response", "next_response", "resolution")
    )
    assert (first.median_p90, first.judged, first.breached) == ((90.0, 90.0), 1, 0)
    assert (following.median_p90, following.judged, following.breached) == ((70.0, 70.0), 1, 1)
    assert (resolution.median_p90, resolution.judged, resolution.breached) == ((None, None), 1, 1)


def test_a_reopening_owes_an_answer_in_business_time(app, session):
    configure(session, **BERLIN, **SERVICE)
    cid = open_conversation(session, HOURS, Opening("b@example.com", "invoice", "hi"), now=FRIDAY_16H).conversation_id
    desk.reply(session, AGENT, cid, "done", resolve=True, now=datetime(2026, 12, 4, 15, 30))
    assert desk.reopen(session, AGENT, cid, HOURS, now=datetime(2026, 12, 5, 10))  # Saturday: counts from Monday
    assert _deadlines(session, cid)[:3] == (datetime(2026, 12, 5, 10), datetime(*MONDAY, 8, 30), datetime(*MONDAY, 9))


def test_without_stored_targets_the_hours_of_the_environment_hold(app, session):
    cid = open_conversation(
        session, {**HOURS, "presale": 3}, Opening("b@example.com", "question", "hi"), now=FRIDAY_16H
    ).conversation_id
    c = session.get(Conversation, cid)  # round the clock by default: three hours of real time
    assert (c.reply_due_at, c.resolution_due_at) == (datetime(2026, 12, 4, 18), None)
    assert c.reply_warn_at == datetime(2026, 12, 4, 17, 24)  # 80% of 180 minutes
    session.rollback()
