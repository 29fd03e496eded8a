"""The mails a buyer gets, in plain text and HTML."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

from app.money import format_money
from delivery.order_view import OrderView

SENDER = "keyshop <no-reply@keyshop.local>"


def delivered_mail(order: OrderView, order_url: str) -> EmailMessage:
    codes = "\n".join(f"  {code}" for code in order.codes)
    text = (f"Thank you for your order {order.number}.\n\n{order.quantity} x {order.product_name}\n\n"
            f"Your code(s):\n{codes}\n\nYour order page, with the codes and help if one does not work:\n"
            f"{order_url}\n")
    items = "".join(f"<li><code>{escape(code)}</code></li>" for code in order.codes)
    html = (f"<p>Thank you for your order <b>{escape(order.number)}</b>.</p>"
            f"<p>{order.quantity} &times; {escape(order.product_name)}</p><ol>{items}</ol>"
            f'<p><a href="{escape(order_url)}">Open your order page</a></p>')
    return _message(order, f"Your code for order {order.number}", text, html)


def awaiting_stock_mail(order: OrderView, order_url: str) -> EmailMessage:
    text = (f"Your payment for order {order.number} arrived, but {order.product_name} is out of stock "
            f"right now.\nYour code is delivered as soon as stock arrives; this page shows it:\n{order_url}\n")
    html = (f"<p>Your payment for order <b>{escape(order.number)}</b> arrived, but "
            f"{escape(order.product_name)} is out of stock right now.</p><p>Your code is delivered as soon "
            f'as stock arrives: <a href="{escape(order_url)}">your order page</a>.</p>')
    return _message(order, f"Order {order.number}: waiting for stock", text, html)


def refunded_mail(order: OrderView, order_url: str) -> EmailMessage:
    done = [r for r in order.refunds if r.status in ("succeeded", "manual")]
    lines = "\n".join(f"  {format_money(r.amount_minor, r.currency)}" for r in done)
    text = (f"We refunded your order {order.number} ({order.product_name}):\n{lines}\n\n"
            f"It reaches your account the way you paid, usually within a few days.\n{order_url}\n")
    items = "".join(f"<li>{escape(format_money(r.amount_minor, r.currency))}</li>" for r in done)
    html = (f"<p>We refunded your order <b>{escape(order.number)}</b> ({escape(order.product_name)}):</p>"
            f"<ul>{items}</ul><p>It reaches your account the way you paid, usually within a few days. "
            f'<a href="{escape(order_url)}">Your order page</a></p>')
    return _message(order, f"Order {order.number}: refunded", text, html)


def _message(order: OrderView, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, order.email, subject
    message["Message-ID"] = make_msgid(idstring=order.number, domain="keyshop.local")
    message.set_content(text)
    message.add_alternative(f"<!doctype html><html><body>{html}</body></html>", subtype="html")
    return message


COMPOSERS = {"delivered": delivered_mail, "awaiting_stock": awaiting_stock_mail, "refunded": refunded_mail}
