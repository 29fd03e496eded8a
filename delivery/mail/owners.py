"""Mail to the shop's owners (low stock, a batch on hold, a broken ledger, an overdue answer):
plain text from templates/owners/, to every active owner."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.staff import Staff
from delivery.mail.compose import SENDER, render_text


def owner_message(session: Session, template: str, idstring: str, also: tuple[str, ...] = (), **values) -> EmailMessage:
    """To every active owner, and to `also` (say, a conversation's assignee)."""
    owners = list(session.scalars(select(Staff.email).where(Staff.role == "owner", Staff.active)))
    subject, body = render_text(f"owners/{template}", **values)
    message = EmailMessage()
    message["From"], message["Subject"] = SENDER, subject
    message["To"] = ", ".join(dict.fromkeys([*also, *owners])) or SENDER
    message["Message-ID"] = make_msgid(idstring=idstring, domain="keyshop.local")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message.set_content(body)
    return message
