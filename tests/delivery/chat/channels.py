"""Chat channels for the tests: a loopback receiver, a channel pointed at it, the channel's job run
in the test's own process, and the window and retry waits moved into the past instead of slept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.audit import Actor
from app.core.db import utcnow, write_transaction
from app.core.extensions import db
from delivery.chat.channels import NewChannel, add_channel
from delivery.chat.models import ChatChannel, ChatMessage
from delivery.chat.pace import WINDOW
from delivery.notifications.tell import tell
from tests.fakes.chat_receiver import ChatReceiver

OWNER = Actor("owner@shop.test", "owner")


@pytest.fixture
def receiver():
    server = ChatReceiver()
    yield server
    server.stop()


def add(app, url: str, events: tuple[str, ...], name: str = "team chat") -> int:
    with app.app_context():
        channel_id = add_channel(db.session, app.extensions["keyshop.keyring"], OWNER, NewChannel(name, url, events))
        db.session.remove()
    return channel_id


def told(app, event: str, about: str, **values) -> str:
    """An event told in a transaction of its own, as the shop's code tells it."""
    with app.app_context():
        with write_transaction(db.session):
            outcome = tell(db.session, event, about, **values)
        db.session.remove()
    return outcome


def run_job(app, channel_id: int) -> str:
    from delivery.jobs import send_chat

    with app.app_context():
        outcome = send_chat(channel_id)
        db.session.remove()
    return outcome


def time_passes(app, channel_id: int) -> None:
    """The window and every wait over: the last message and the retry times moved into the past."""
    past = utcnow() - WINDOW - timedelta(seconds=1)
    with app.app_context():
        db.session.execute(update(ChatChannel).where(ChatChannel.id == channel_id).values(last_sent_at=past))
        db.session.execute(update(ChatMessage).where(ChatMessage.due_at.is_not(None)).values(due_at=past))
        db.session.commit()
        db.session.remove()


def statuses(app) -> dict[str, str]:
    with app.app_context():
        rows = dict(db.session.execute(select(ChatMessage.key, ChatMessage.status)).all())
        db.session.remove()
    return rows
