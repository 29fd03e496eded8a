"""The mail of a proactive note about an order, sent once (the mail log's key is the notice)."""

from __future__ import annotations

from html import escape

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.core.models import Order, order_token
from delivery.mail import send_once
from delivery.mail_content import compose_message
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
    link = f"{settings.base_url}/o/{order_token(number)}"
    words = {key: notice_text(locale, key, number=number, product="") for key in (kind, "subject", "open")}
    text = f"{words[kind]}\n\n{link}\n"
    html = f'<p>{escape(words[kind])}</p><p><a href="{escape(link)}">{escape(words["open"])}</a></p>'

    def compose():
        return compose_message(email, locale, number, words["subject"], text, html)

    return send_once(session, settings, f"notice:{notice_id}", "notice", compose, order_id, number)


def select_notice(notice_id: int):
    return (
        select(ProactiveNotice.kind, ProactiveNotice.locale, Order.id, Order.number, Order.email)
        .join(Order, Order.id == ProactiveNotice.order_id)
        .where(ProactiveNotice.id == notice_id)
    )
