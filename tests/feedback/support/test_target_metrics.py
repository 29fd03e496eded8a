"""Metrics against the targets, per agent and per type, with exact figures; the low ratings list;
the metrics page showing both."""

from __future__ import annotations

from datetime import timedelta

from app.core.audit import Actor
from app.core.db import utcnow
from feedback.support import desk
from feedback.support.conversations import Opening, buyer_writes, open_conversation
from feedback.support.low_ratings import low_ratings
from feedback.support.models import Conversation
from feedback.support.survey import rate
from feedback.support.target_metrics import target_report
from tests.feedback.aftersale import staff
from tests.feedback.support.desk_clock import HOURS, OWNER, configure, session

__all__ = ["session"]

ANA, BOB = Actor("ana@shop.test", "agent"), Actor("bob@shop.test", "agent")
TARGETS = {  # round the clock (the default), so business minutes are minutes
    "support_first_response_minutes_presale": "60",
    "support_next_response_minutes_presale": "30",
    "support_first_response_minutes_problem": "120",
    "support_resolution_minutes_problem": "240",
}


def _figures(group) -> dict:
    return {target: (f.median_p90, f.judged, f.breached) for target, f in group.targets.items()} | {
        "csat": (group.ratings, group.satisfied)
    }


def _desk(session) -> dict[str, int]:
    """A: presale, Ana answers in 30, Bob the next in 60 (late), Ana resolves at 180 (no target); rated 2.
    B: problem, Bob answers in 150 (late), resolves at 200 (on time); rated 5.
    C: problem, assigned to Ana, never answered: its answer and its resolution missed.
    D: presale, opened ten minutes ago: nothing due yet."""
    configure(session, **TARGETS)
    t0 = utcnow() - timedelta(days=2)

    def opened(topic: str, at) -> int:
        return open_conversation(session, HOURS, Opening("b@example.com", topic, "help"), now=at).conversation_id

    a, b, c = opened("question", t0), opened("refund", t0), opened("defective_code", t0)
    opened("question", utcnow() - timedelta(minutes=10))
    desk.reply(session, ANA, a, "yes", now=t0 + timedelta(minutes=30))
    buyer_writes(session, HOURS, a, "and in Austria?", now=t0 + timedelta(minutes=60))
    desk.reply(session, BOB, a, "also", now=t0 + timedelta(minutes=120))
    desk.resolve_conversation(session, ANA, a, now=t0 + timedelta(minutes=180))
    desk.reply(session, BOB, b, "refunded", now=t0 + timedelta(minutes=150))
    desk.resolve_conversation(session, BOB, b, now=t0 + timedelta(minutes=200))
    desk.assign(session, OWNER, c, ANA.email)
    rate(session, a, 2, "the second answer took an hour")
    rate(session, b, 5, "quick")
    return {"a": a, "b": b, "c": c}


def test_figures_against_the_targets_overall_per_agent_and_per_type(app, session):
    _desk(session)
    report = target_report(session, 7, now=utcnow() + timedelta(seconds=5))
    assert _figures(report.overall) == {
        "first_response": ((90.0, 150.0), 3, 2),  # 30 and 150; B late, C never answered
        "next_response": ((60.0, 60.0), 1, 1),
        "resolution": ((190.0, 200.0), 2, 1),  # 180 (no target) and 200; B on time, C missed
        "csat": (2, 1),
    }
    agents = {group.name: _figures(group) for group in report.agents}
    assert agents == {
        ANA.email: {
            "first_response": ((30.0, 30.0), 2, 1),  # her answer to A, and C's, assigned to her, missed
            "next_response": ((None, None), 0, 0),
            "resolution": ((180.0, 180.0), 1, 1),
            "csat": (1, 0),  # A is hers: she answered it first
        },
        BOB.email: {
            "first_response": ((150.0, 150.0), 1, 1),
            "next_response": ((60.0, 60.0), 1, 1),
            "resolution": ((200.0, 200.0), 1, 0),
            "csat": (1, 1),
        },
    }
    kinds = {group.name: _figures(group) for group in report.kinds}
    assert kinds == {
        "presale": {
            "first_response": ((30.0, 30.0), 1, 0),  # D is not due yet
            "next_response": ((60.0, 60.0), 1, 1),
            "resolution": ((180.0, 180.0), 0, 0),  # no resolution target for pre-sale questions
            "csat": (1, 0),
        },
        "problem": {
            "first_response": ((150.0, 150.0), 2, 2),
            "next_response": ((None, None), 0, 0),
            "resolution": ((200.0, 200.0), 2, 1),
            "csat": (1, 1),
        },
    }
    assert report.overall.targets["first_response"].breach_rate == 200 / 3


def test_low_ratings_with_their_comments_newest_first(app, session):
    ids = _desk(session)
    extra = open_conversation(session, HOURS, Opening("c@example.com", "invoice", "bill")).conversation_id
    desk.reply(session, BOB, extra, "sent", resolve=True)
    rate(session, extra, 3, "fine, slowly")
    a_number = session.get(Conversation, ids["a"]).number
    session.rollback()
    [two] = low_ratings(session, 30)
    assert (two.score, two.comment, two.number, two.kind, two.agent) == (
        2,
        "the second answer took an hour",
        a_number,
        "presale",
        ANA.email,
    )
    assert [(r.score, r.comment, r.agent) for r in low_ratings(session, 30, highest=3)] == [
        (3, "fine, slowly", BOB.email),
        (2, "the second answer took an hour", ANA.email),
    ]


def test_the_metrics_page_shows_agents_types_and_low_ratings(app, client, session):
    ids = _desk(session)
    a_number = session.get(Conversation, ids["a"]).number
    session.rollback()
    staff(app, client)
    page = client.get("/admin/support/metrics", query_string={"days": 7}).get_data(as_text=True)
    section = page[page.index('id="support-targets"') :]
    assert "ana@shop.test" in section and "bob@shop.test" in section and "before buying" in section
    assert "90.0 min / 150.0 min" in section and "2 of 3 breached" in section
    low = page[page.index('id="low-ratings"') :]
    assert "the second answer took an hour" in low and f"/admin/conversations/{a_number}" in low
    assert "quick" not in low  # a 5 is not a low rating
    for bad in ("days=8", "days=" + "9" * 40, "low=5", "low=%ED%A0%80", "days=7%00"):
        assert client.get(f"/admin/support/metrics?{bad}").status_code == 400, bad
