"""The mail of a staff link (an invitation, or an owner's password reset) to the person it is for:
owed with the link, composed from the link's id (its token is rebuilt, never stored or queued)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session

from app.core.staff_links import LinkMail, link_mail
from delivery.mail.compose import SENDER, render_text
from delivery.mail.composers import MailContext, NothingToSend, composes
from delivery.mail.log import OwedMail, owe


def owe_link_mail(session: Session, link_id: int) -> str:
    """Inside the transaction that made the link (app.core.staff_join)."""
    return owe(session, f"staff-link:{link_id}", "staff_link")


@composes("staff-link")
def compose_link_mail(context: MailContext, mail: OwedMail) -> EmailMessage:
    link = link_mail(context.session, context.settings.secret_key, int(mail.about))
    context.session.rollback()
    if link is None:
        raise NothingToSend(f"{mail.key}: the link was used, replaced or has expired")
    return compose(link, context.settings.base_url)


def compose(mail: LinkMail, base_url: str) -> EmailMessage:
    subject, body = render_text(
        f"owners/staff_{mail.purpose}",
        inviter=mail.created_by,
        role=mail.role,
        link=f"{base_url}/admin/join/{mail.token}",
        expires=mail.expires_at.strftime("%Y-%m-%d %H:%M"),
    )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, mail.email, subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring="staff-link", domain="keyshop.local")
    message.set_content(body)
    return message
