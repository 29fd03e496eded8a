"""The team inbox: filters, assignment, overdue highlighting, the metrics page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.db import utcnow
from app.core.extensions import db
from feedback.support.conversations import Opening, open_conversation
from feedback.support.models import Conversation
from tests.feedback.aftersale import staff, staff_post

DEADLINES = {"presale": 48, "problem": 48, "service": 48}


def _open(app, email: str, topic: str, locale="en", hours_ago=0) -> str:
    with app.app_context():
        opened = open_conversation(
            db.session,
            DEADLINES,
            Opening(email, topic, f"from {email}", locale=locale),
            now=utcnow() - timedelta(hours=hours_ago),
        )
        db.session.remove()
        return opened.number


def test_filters_assignment_and_overdue_highlighting(app, client):
    old = _open(app, "late@example.com", "question", hours_ago=50)
    german = _open(app, "de@example.com", "invoice", locale="de")
    staff(app, client)
    staff_post(client, f"/admin/conversations/{german}/assign", assignee="agent@shop.test")

    def listed(**args) -> str:
        return client.get("/admin/inbox", query_string=args).get_data(as_text=True)

    assert old in listed() and german in listed()
    assert german in listed(view="mine") and old not in listed(view="mine")
    assert old in listed(view="unassigned") and german not in listed(view="unassigned")
    assert old in listed(view="overdue") and german not in listed(view="overdue")
    assert german in listed(locale="de") and old not in listed(locale="de")
    assert old in listed(kind="presale") and german not in listed(kind="presale")
    assert 'class="overdue"' in listed(view="overdue")
    staff_post(client, f"/admin/conversations/{old}/reply", body="Sorry for the wait")
    assert old in listed(view="waiting_buyer") and old not in listed(view="waiting_us")
    with app.app_context():
        assert db.session.scalar(select(Conversation.assignee).where(Conversation.number == old)) == "agent@shop.test"
        db.session.remove()
    metrics = client.get("/admin/support/metrics").get_data(as_text=True)
    assert "Late response rate" in metrics and "100%" in metrics and "alarm" in metrics  # 1 of 1 due, late


def test_the_inbox_is_for_staff_only(client):
    assert client.get("/admin/inbox").status_code == 302
    assert client.get("/admin/support/metrics").status_code == 302
