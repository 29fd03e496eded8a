"""Support mail: the buyer's link, each staff reply, the one survey; staff hear of deadlines at risk and missed.
Sent once per conversation and kind (the mail log), never carrying an internal note."""

from __future__ import annotations

import math
from email.message import Message as Mail

from flask import current_app

from delivery.mail.compose import render_message
from delivery.mail.composers import MailContext, NothingToSend, composes
from delivery.mail.log import OwedMail
from delivery.mail.owners import owner_message
from feedback.support.conversations import conversation_token
from feedback.support.models import Conversation, Message


@composes("conversation")
def compose_support_mail(context: MailContext, mail: OwedMail) -> Mail:
    """The buyer's mail, or the staff's for an overdue answer. A note is never mailed, whatever a row says."""
    session, settings = context.session, context.settings
    conversation_id, kind = mail.about.split(":", 1)
    conversation = session.get(Conversation, int(conversation_id))
    if conversation is None:
        raise NothingToSend(f"no conversation {conversation_id}")
    link = f"{settings.base_url}/c/{conversation_token(conversation.number)}"
    compose = _composer(session, conversation, kind, link)
    session.rollback()
    if compose is None:
        raise NothingToSend(f"nothing a buyer may read in {mail.key!r}")
    return compose()


def _composer(session, conversation: Conversation, kind: str, link: str):
    """The mail as a function of plain values, read now: it is built after the session's read ended."""
    c = conversation
    values = {"number": c.number, "link": link}
    if kind == "opened":
        values |= {"mail": "opened", "hours": str(_hours_until(c.created_at, c.first_due_at))}
    elif kind == "survey":
        values |= {"mail": "survey", "link": f"{link}#rate"}
    elif kind.startswith("reply:"):
        message = session.get(Message, int(kind.split(":", 1)[1]))
        if message is None or message.author_kind != "staff" or message.conversation_id != c.id:
            return None  # a note is never mailed, whatever a job says
        values |= {"mail": "reply", "subject": c.subject, "answer": message.body}
    elif kind.split(":", 1)[0] in STAFF_NOTICES:
        return _staff_notice(session, c, kind)
    else:
        return None
    to, locale = c.email, c.locale
    return lambda: render_message("support", to, locale, values["number"], **values)


STAFF_NOTICES = {  # kind -> (event, template, which deadline)
    "at_risk": ("conversation.at_risk", "conversation_at_risk", "answer"),
    "resolution_at_risk": ("conversation.at_risk", "conversation_at_risk", "resolution"),
    "overdue": ("conversation.overdue", "overdue", "answer"),
    "resolution_overdue": ("conversation.overdue", "overdue", "resolution"),
}


def _hours_until(start, due) -> int:
    """The wall-clock hours to the first answer's deadline: over a weekend, honestly more than the target."""
    return max(1, math.ceil((due - start).total_seconds() / 3600))


def _staff_notice(session, c: Conversation, kind: str):
    """To the assignee and the staff told of such conversations; built now, while the conversation is read."""
    name, due = kind.split(":", 1)
    event, template, deadline = STAFF_NOTICES[name]
    page = f"{current_app.config['KEYSHOP'].base_url}/admin/conversations/{c.number}"
    message = owner_message(
        session,
        event,
        template,
        f"{name}-{c.number}",
        also=(c.assignee,) if c.assignee else (),
        number=c.number,
        kind=c.kind,
        subject=c.subject,
        page=page,
        deadline=deadline,
        due=due.replace("T", " ")[:16] + " UTC",
    )
    return lambda: message
