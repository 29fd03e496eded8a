"""The inbox shows each conversation's standing against its deadlines and lists those at risk."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.db import utcnow
from feedback.support.conversations import Opening, open_conversation
from feedback.support.models import Conversation
from tests.feedback.aftersale import staff
from tests.feedback.support.desk_clock import HOURS, configure, session

__all__ = ["session"]


def _row(page: str, number: str) -> str:
    start = page.index(number)
    return page[start : page.index("</tr>", start)]


def test_due_at_risk_and_breached_conversations(app, client, session):
    configure(session, support_first_response_minutes_service="100", support_resolution_minutes_problem="600")
    now = utcnow()

    def opened(topic: str, minutes_ago: int) -> str:
        at = now - timedelta(minutes=minutes_ago)
        return open_conversation(session, HOURS, Opening("b@example.com", topic, "hi"), now=at).number

    fresh, risky, late = opened("invoice", 10), opened("invoice", 90), opened("invoice", 120)
    resolution_risky = opened("refund", 500)  # its answer (48 h) is due; its resolution at risk
    assert session.scalar(select(Conversation.resolution_due_at).where(Conversation.number == fresh)) is None
    session.rollback()
    staff(app, client)
    page = client.get("/admin/inbox").get_data(as_text=True)
    assert "on time" in _row(page, fresh) and "at risk" in _row(page, risky) and "breached" in _row(page, late)
    assert "at risk" in _row(page, resolution_risky) and "resolve by" in _row(page, resolution_risky)
    at_risk = client.get("/admin/inbox", query_string={"view": "at_risk"}).get_data(as_text=True)
    assert risky in at_risk and resolution_risky in at_risk and fresh not in at_risk and late not in at_risk
    overdue = client.get("/admin/inbox", query_string={"view": "overdue"}).get_data(as_text=True)
    assert late in overdue and risky not in overdue
