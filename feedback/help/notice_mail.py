"""The mail of a proactive note about an order, sent once (the mail log's key is the notice)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order, order_token
from delivery.mail.compose import render_message
from delivery.mail.send import claim_and_send
from feedback.help.models import ProactiveNotice
from feedback.help.notice_words import notice_text


def send_notice_mail(notice_id: int) -> str:
    """RQ job: sent, failed or skipped (no order, or mailed already)."""
    session, settings = db.session, current_app.config["KEYSHOP"]
    row = session.execute(select_notice(notice_id)).first()
    session.rollback()
    if row is None:
        return "skipped"
    kind, locale, order_id, number, email = row
    values = {
        "number": number,
        "notice": notice_text(locale, kind, number=number, product=""),
        "order_url": f"{settings.base_url}/o/{order_token(number)}",
    }

    def compose():
        return render_message("notice", email, locale, number, **values)

    return claim_and_send(session, settings, f"notice:{notice_id}", "notice", compose, order_id, number)


def select_notice(notice_id: int):
    return (
        select(ProactiveNotice.kind, ProactiveNotice.locale, Order.id, Order.number, Order.email)
        .join(Order, Order.id == ProactiveNotice.order_id)
        .where(ProactiveNotice.id == notice_id)
    )
