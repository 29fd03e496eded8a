"""The mail of a proactive note about an order, owed with the note (the mail log's key is the notice)."""

from __future__ import annotations

from email.message import Message

from sqlalchemy import select

from app.core.models import Order, order_token
from delivery.mail.compose import render_message
from delivery.mail.composers import MailContext, NothingToSend, composes
from delivery.mail.log import OwedMail
from feedback.help.models import ProactiveNotice
from feedback.help.notice_words import notice_text


@composes("notice")
def compose_notice_mail(context: MailContext, mail: OwedMail) -> Message:
    row = context.session.execute(select_notice(int(mail.about))).first()
    context.session.rollback()
    if row is None:
        raise NothingToSend(f"no order note {mail.about}")
    kind, locale, number, email = row
    return render_message(
        "notice",
        email,
        locale,
        number,
        number=number,
        notice=notice_text(locale, kind, number=number, product=""),
        order_url=f"{context.settings.base_url}/o/{order_token(number)}",
    )


def select_notice(notice_id: int):
    return (
        select(ProactiveNotice.kind, ProactiveNotice.locale, Order.number, Order.email)
        .join(Order, Order.id == ProactiveNotice.order_id)
        .where(ProactiveNotice.id == notice_id)
    )
