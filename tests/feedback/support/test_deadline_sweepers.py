"""Several sweeper processes at once on PostgreSQL: each deadline's at-risk notice is told once, then
its breach once, by mail (to the assignee and the owners) and in chat, whichever process gets there."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.core.staff import create_staff
from delivery.chat.models import ChatMessage
from feedback.support import desk
from feedback.support.conversations import Opening, open_conversation
from feedback.support.deadlines import notify_at_risk, notify_overdue
from tests.delivery.chat.channels import add, receiver
from tests.feedback.support.desk_clock import HOURS, OWNER, configure, session
from tests.mail import drain_now, mail_rows

__all__ = ["receiver", "session"]

PROCESSES = 3
CONVERSATIONS = 5
ROOT = Path(__file__).resolve().parents[3]


def _sweep_at_once(shop_env: dict, folder: Path, *instants) -> list[tuple[int, int]]:
    """Per round, the sums over the processes of (at-risk notices told, breaches told)."""
    argv = [sys.executable, "-m", "tests.feedback.support.sweeper", str(folder), str(PROCESSES)]
    argv += [instant.isoformat() for instant in instants]
    env = {**os.environ, **shop_env}
    runs = [subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    lines = [run.communicate(timeout=180)[0].split("\n")[: len(instants)] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    return [tuple(map(sum, zip(*(map(int, out[n].split()) for out in lines)))) for n in range(len(instants))]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_sweepers_at_once_warn_once_then_tell_each_breach_once(app, session, shop_env, receiver, tmp_path):
    create_staff(session, OWNER.email, "a long owner password")  # told of both by default
    channel = add(app, receiver.apprise_url, events=("conversation.at_risk", "conversation.overdue"))
    # Round the clock (the default): answer within 100 minutes, resolve within 200; at risk at 80%.
    configure(session, support_first_response_minutes_service="100", support_resolution_minutes_service="200")
    start = utcnow() - timedelta(days=1)
    ids = [
        open_conversation(session, HOURS, Opening(f"b{n}@example.com", "invoice", "help"), now=start).conversation_id
        for n in range(CONVERSATIONS)
    ]
    desk.assign(session, OWNER, ids[0], "agent@shop.test")

    def at(minutes: int):
        return start + timedelta(minutes=minutes)

    rounds = _sweep_at_once(shop_env, tmp_path, at(85), at(85), at(101), at(101), at(170), at(201), at(202))
    assert rounds == [
        (CONVERSATIONS, 0),  # the answers at risk
        (0, 0),
        (0, CONVERSATIONS),  # the answers missed
        (0, 0),
        (CONVERSATIONS, 0),  # the resolutions at risk
        (0, CONVERSATIONS),  # the resolutions missed
        (0, 0),
    ]
    keys = mail_rows(app, "conversation:%").keys()
    told = Counter(key.split(":")[2] for key in keys if ":opened" not in key)
    assert told == {"at_risk": 5, "overdue": 5, "resolution_at_risk": 5, "resolution_overdue": 5}
    assert f"conversation:{ids[0]}:at_risk:{at(100).isoformat()}" in keys
    chat = session.scalars(select(ChatMessage.event).where(ChatMessage.channel_id == channel)).all()
    assert Counter(chat) == {"conversation.at_risk": 10, "conversation.overdue": 10}


def _plain(path: Path):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message, message.get_body(preferencelist=("plain",)).get_content()


def test_a_notice_goes_to_the_assignee_and_names_the_deadline(app, session):
    create_staff(session, OWNER.email, "a long owner password")
    configure(session, support_first_response_minutes_problem="60", support_resolution_minutes_problem="120")
    start = utcnow() - timedelta(hours=5)
    cid = open_conversation(session, HOURS, Opening("b@example.com", "refund", "money back"), now=start).conversation_id
    desk.assign(session, OWNER, cid, "agent@shop.test")
    assert notify_at_risk(session, now=start + timedelta(minutes=50)) == 1
    assert notify_overdue(session, now=start + timedelta(minutes=121)) == 2  # the answer and the resolution
    drain_now(app)
    mails = [_plain(m) for m in (app.config["KEYSHOP"].instance / "outbox").glob("*.eml")]
    at_risk = [(m["To"], text) for m, text in mails if m["Subject"].startswith("At risk: C-")]
    assert len(at_risk) == 1 and "agent@shop.test" in at_risk[0][0] and "its answer deadline" in at_risk[0][1]
    mails = [text for _, text in mails]
    assert sum("past its resolution deadline" in m for m in mails) == 1
    assert sum("still waits for an answer" in m for m in mails) == 1
