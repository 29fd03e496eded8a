"""Deadlines and metrics on a controlled clock, checked against the definitions in the docs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import utcnow
from app.core.extensions import db
from app.core.staff import create_staff
from feedback.support import desk
from feedback.support.conversations import Opening, buyer_writes, open_conversation
from feedback.support.deadlines import notify_overdue
from feedback.support.metrics import support_metrics
from feedback.support.models import Conversation, Rating
from feedback.support.survey import rate
from tests.mail import drain_now, mail_rows

AGENT = Actor("agent@shop.test", "agent")
DEADLINES = {"presale": 48, "problem": 48, "service": 24}


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.remove()


def _open(session, at: datetime, topic="question") -> int:
    return open_conversation(session, DEADLINES, Opening("b@example.com", topic, "help"), now=at).conversation_id


def test_a_missed_deadline_is_told_once_and_again_only_for_the_next_one(app, session):
    create_staff(session, "owner@shop.test", "a long owner password")  # told of overdue answers by default
    start = utcnow() - timedelta(hours=100)
    conversation_id = _open(session, start, topic="invoice")  # service: 24 hours
    assert session.get(Conversation, conversation_id).first_due_at == start + timedelta(hours=24)
    session.rollback()
    assert notify_overdue(session, now=start + timedelta(hours=23)) == 0
    assert notify_overdue(session, now=start + timedelta(hours=25)) == 1
    assert notify_overdue(session, now=start + timedelta(hours=30)) == 0
    desk.reply(session, AGENT, conversation_id, "late, sorry", now=start + timedelta(hours=31))
    buyer_writes(session, DEADLINES, conversation_id, "and now?", now=start + timedelta(hours=40))
    assert notify_overdue(session, now=start + timedelta(hours=65)) == 1  # the new answer is late too
    session.rollback()
    assert len(mail_rows(app, "conversation:%:overdue:%")) == 2  # to the staff, once per deadline
    drain_now(app)
    mails = [mail.read_text() for mail in (app.config["KEYSHOP"].instance / "outbox").glob("*.eml")]
    assert sum("Overdue: C-" in mail for mail in mails) == 2


def test_metrics_follow_their_definitions(app, session):
    t0 = utcnow() - timedelta(hours=60)
    on_time, late, silent = (_open(session, t0) for _ in range(3))
    _open(session, utcnow() - timedelta(hours=1))  # not due yet: outside the late rate
    desk.reply(session, AGENT, on_time, "answer", resolve=True, now=t0 + timedelta(hours=1))
    desk.reply(session, AGENT, late, "answer", resolve=True, now=t0 + timedelta(hours=50))
    rate(session, on_time, 5)
    rate(session, late, 2)
    # Reopened and answered again: the first response still counts once, from the first reply.
    buyer_writes(session, DEADLINES, on_time, "one more question", now=t0 + timedelta(hours=3))
    desk.reply(session, AGENT, on_time, "again", resolve=True, now=t0 + timedelta(hours=5))

    m = support_metrics(session, 7, now=utcnow() + timedelta(seconds=5))
    assert m.first_response_hours == (25.5, 50.0)  # 1 h and 50 h
    assert m.resolution_hours == (27.5, 50.0)  # 5 h (the latest resolution) and 50 h
    assert (m.due, m.late) == (3, 2) and round(m.late_rate, 1) == 66.7  # late + silent
    assert (m.ratings, m.satisfied, m.csat, m.surveys) == (2, 1, 50.0, 2)
    assert [level for level, _ in m.alerts] == ["alarm", "alarm"]
    silent_row = session.get(Conversation, silent)
    assert silent_row.first_response_at is None and silent_row.reply_due_at < utcnow()
    session.rollback()


def test_thresholds_warn_before_they_alarm(app, session):
    start = utcnow() - timedelta(hours=100)
    ids = [_open(session, start) for _ in range(10)]
    for n, conversation_id in enumerate(ids):
        hours = 50 if n == 0 else 1  # one of ten late: 10%
        desk.reply(session, AGENT, conversation_id, "answer", resolve=True, now=start + timedelta(hours=hours))
        rate(session, conversation_id, 3 if n < 2 else 5)  # CSAT 80%
    m = support_metrics(session, 30, now=utcnow() + timedelta(seconds=5))
    assert (m.csat, m.late_rate) == (80.0, 10.0)
    assert sorted(level for level, _ in m.alerts) == ["warn", "warn"]


def test_a_rating_needs_a_resolved_conversation_and_counts_once(app, session):
    from feedback.support.conversations import SupportError

    conversation_id = _open(session, utcnow())
    with pytest.raises(SupportError, match="once the conversation is resolved"):
        rate(session, conversation_id, 5)
    desk.resolve_conversation(session, AGENT, conversation_id)
    for bad in ("0", "6", "x", None):
        with pytest.raises(SupportError, match="score"):
            rate(session, conversation_id, bad)
    rate(session, conversation_id, 4)
    with pytest.raises(SupportError, match="rated already"):
        rate(session, conversation_id, 5)
    desk.reopen(session, AGENT, conversation_id, DEADLINES)
    desk.resolve_conversation(session, AGENT, conversation_id)
    assert len(mail_rows(app, f"conversation:{conversation_id}:survey")) == 1  # asked once, however often resolved
    assert session.scalars(select(Rating.score)).all() == [4]
