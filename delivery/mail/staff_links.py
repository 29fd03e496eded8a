"""The mail of a staff link (an invitation, or an owner's password reset) to the person it is for.

One entry point each way, so the mail can move onto the mail log's owed path unchanged outside:
`owe_invite_mail(link_id)` after the transaction that made the link has committed, and
`send_invite_mail(...)`, the job, which rebuilds the link from its id (the token is never in Redis).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session

from app.core.settings import Settings
from app.core.staff_links import LinkMail, link_mail
from delivery.mail.compose import SENDER, render_text
from delivery.mail.drain import RETRY
from delivery.mail.send import claim_and_send
from delivery.queues import enqueue


def owe_invite_mail(link_id: int) -> bool:
    """False when Redis is unreachable: the owner sees the link unsent and sends it again."""
    return enqueue("notify", "delivery.jobs.send_invite_mail", link_id, retry=RETRY)


def send_invite_mail(session: Session, settings: Settings, link_id: int) -> str:
    """Sent, failed, or skipped (sent already, or the link was used, replaced or expired)."""
    mail = link_mail(session, settings.secret_key, link_id)
    session.rollback()
    if mail is None:
        return "skipped"
    return claim_and_send(
        session, settings, f"staff-link:{link_id}", f"staff_{mail.purpose}", lambda: compose(mail, settings.base_url)
    )


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
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring="staff-link", domain="keyshop.local")
    message.set_content(body)
    return message
