"""Mail to the shop's staff of an event (low stock, a batch on hold, an overdue answer, and every
event of delivery.notifications): plain text from templates/owners/, to the members subscribed to
the event (delivery.notifications.subscriptions); a broken ledger goes to every active owner."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.staff import Staff
from delivery.mail.compose import render_text, sender
from delivery.mail.composers import MailContext, NothingToSend
from delivery.mail.log import OwedMail
from delivery.notifications.subscriptions import subscribers


def owner_message(
    session: Session,
    event: str | None,
    template: str,
    idstring: str,
    also: tuple[str, ...] = (),
    mode: str = "each",
    **values,
) -> EmailMessage:
    """To the members subscribed to `event` (every active owner when None), and to `also` (say, a
    conversation's assignee). Nobody to tell: nothing to send."""
    to = list(dict.fromkeys([*also, *recipients(session, event, mode)]))
    if not to:
        raise NothingToSend(f"nobody is told of {event}")
    subject, body = render_text(f"owners/{template}", **values)
    message = EmailMessage()
    message["From"], message["Subject"], message["To"] = sender(), subject, ", ".join(to)
    message["Message-ID"] = make_msgid(idstring=idstring, domain="keyshop.local")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message.set_content(body)
    return message


def owners_mail(context: MailContext, owed: OwedMail, event: str | None, template: str, /, **values) -> EmailMessage:
    """The staff's mail of a claimed row: its Message-ID from the row's key, the shop's base URL in
    its values, and the session's read ended before it is sent. (Positional parameters only: an
    event's values may use any name, "mail" among them.)"""
    message = owner_message(
        context.session, event, template, owed.key.replace(":", "-"), base_url=context.settings.base_url, **values
    )
    context.session.rollback()
    return message


def recipients(session: Session, event: str | None, mode: str = "each") -> list[str]:
    if event is None:
        return list(session.scalars(select(Staff.email).where(Staff.role == "owner", Staff.active)))
    return subscribers(session, event, mode)
