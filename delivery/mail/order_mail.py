"""The buyer's mail about an order: read the order, compose its kind (delivery.mail.kinds)."""

from __future__ import annotations

from email.message import Message

from app.core.db import reads_without_transaction
from app.core.models import Order, order_token
from delivery.mail.composers import MailContext, NothingToSend, composes
from delivery.mail.kinds import new_codes_of, order_mail_kind, order_message
from delivery.mail.log import OwedMail
from delivery.order_view import view_of


@composes("order")
def compose_order_mail(context: MailContext, mail: OwedMail) -> Message:
    kind, session = order_mail_kind(mail.kind), context.session
    if kind is None:
        raise NothingToSend(f"no order mail of kind {mail.kind!r}")
    reads_without_transaction(session)
    view = view_of(session, context.keyring, session.get(Order, mail.order_id), with_refunds=kind.needs_refunds)
    session.rollback()
    url = f"{context.settings.base_url}/o/{order_token(view.number)}"
    return order_message(kind, view, url, new_code_ids=new_codes_of(mail.kind))
