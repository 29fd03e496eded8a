"""Sending the buyer's mail about an order: read the order, compose its kind, send the claimed row."""

from __future__ import annotations

from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import reads_without_transaction
from app.core.models import Order, order_token
from app.core.settings import Settings
from delivery.mail.kinds import OrderMailKind, order_mail_kind, order_message
from delivery.mail.log import claim, order_mail_key
from delivery.mail.send import send_claimed
from delivery.order_view import view_of
from keystore.keyring import Keyring


def send_order_mail(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str) -> str:
    """Claim this order's mail of this kind and send it: sent, failed, or skipped (sent already,
    being sent, or a kind nobody composes); raises what send_claimed raises."""
    if order_mail_kind(kind) is None:
        return "skipped"
    number = session.scalar(select(Order.number).where(Order.id == order_id))
    session.rollback()  # the claim below starts its own transaction
    if not claim(session, order_mail_key(order_id, kind), kind, order_id):
        return "skipped"
    return send_claimed_order_mail(session, settings, keyring, order_id, kind, number)


def send_claimed_order_mail(
    session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: str, order_number: str
) -> str:
    """Send an order's mail this sender holds ("sending"); see send_claimed."""
    mail_kind = order_mail_kind(kind)

    def compose() -> Message:
        return _compose(session, settings, keyring, order_id, mail_kind)

    return send_claimed(session, settings, order_mail_key(order_id, kind), compose, order_number)


def _compose(session: Session, settings: Settings, keyring: Keyring, order_id: int, kind: OrderMailKind) -> Message:
    reads_without_transaction(session)
    view = view_of(session, keyring, session.get(Order, order_id), with_refunds=kind.needs_refunds)
    session.rollback()
    return order_message(kind, view, f"{settings.base_url}/o/{order_token(view.number)}")
