"""Support mail: the buyer's link, each staff reply, the one survey; staff hear of overdue answers.
Sent once per conversation and kind (the mail log), never carrying an internal note."""

from __future__ import annotations

from flask import current_app

from app.core.extensions import db
from delivery.mail.compose import render_message
from delivery.mail.owners import owner_message
from delivery.mail.send import claim_and_send
from feedback.support.conversations import conversation_token
from feedback.support.models import Conversation, Message


def send_support_mail(conversation_id: int, kind: str) -> str:
    """RQ job. Returns sent, failed or skipped (already sent, or nothing a buyer may read)."""
    session, settings = db.session, current_app.config["KEYSHOP"]
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return "skipped"
    number, deadlines = conversation.number, settings.support_deadline_hours
    link = f"{settings.base_url}/c/{conversation_token(number)}"
    compose = _composer(session, conversation, kind, link, deadlines)
    session.rollback()
    if compose is None:
        return "skipped"
    return claim_and_send(session, settings, f"conversation:{conversation_id}:{kind}", "support", compose)


def _composer(session, conversation: Conversation, kind: str, link: str, deadlines):
    """The mail as a function of plain values, read now: it is built after the session's read ended."""
    c = conversation
    values = {"number": c.number, "link": link}
    if kind == "opened":
        values |= {"mail": "opened", "hours": deadlines[c.kind]}
    elif kind == "survey":
        values |= {"mail": "survey", "link": f"{link}#rate"}
    elif kind.startswith("reply:"):
        message = session.get(Message, int(kind.split(":", 1)[1]))
        if message is None or message.author_kind != "staff" or message.conversation_id != c.id:
            return None  # a note is never mailed, whatever a job says
        values |= {"mail": "reply", "subject": c.subject, "answer": message.body}
    elif kind.startswith("overdue:"):
        return _overdue(session, c)
    else:
        return None
    to, locale = c.email, c.locale
    return lambda: render_message("support", to, locale, values["number"], **values)


def _overdue(session, c: Conversation):
    """To the assignee and the owners; built now, while the conversation is read."""
    page = f"{current_app.config['KEYSHOP'].base_url}/admin/conversations/{c.number}"
    message = owner_message(
        session,
        "overdue",
        f"overdue-{c.number}",
        also=(c.assignee,) if c.assignee else (),
        number=c.number,
        kind=c.kind,
        subject=c.subject,
        page=page,
    )
    return lambda: message
