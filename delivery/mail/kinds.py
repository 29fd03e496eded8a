"""The buyer's mails about an order: each kind, its template, and what it needs of the order.

A kind may name what it is about ("refunded:12", "replaced:7", "lookup:2026120112"): each refund,
replacement or hourly lookup gets its own row in the mail log, so its own mail, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from delivery.mail.compose import render_message
from delivery.order_view import OrderView

MONEY_MOVED = ("succeeded", "manual")  # a refund the buyer is told of


@dataclass(frozen=True)
class OrderMailKind:
    template: str
    needs_refunds: bool = False  # the others are composed without reading the order's refunds


ORDER_MAIL_KINDS = {
    "delivered": OrderMailKind("delivered"),
    "awaiting_stock": OrderMailKind("awaiting_stock"),
    "refunded": OrderMailKind("refunded", needs_refunds=True),
    "replaced": OrderMailKind("replaced"),
    "report_rejected": OrderMailKind("report_rejected"),
    "lookup": OrderMailKind("lookup"),
}


def order_mail_kind(kind: str) -> OrderMailKind | None:
    """The kind of "refunded:12" is "refunded"; None for a kind nobody composes."""
    return ORDER_MAIL_KINDS.get(kind.split(":", 1)[0])


def new_codes_of(kind: str) -> frozenset[int]:
    """The codes a mail gives anew: "replaced:<report>:<code>" names its replacement code."""
    parts = kind.split(":")
    return (
        frozenset({int(parts[2])}) if parts[0] == "replaced" and len(parts) == 3 and parts[2].isdigit() else frozenset()
    )


def order_message(
    kind: OrderMailKind, order: OrderView, order_url: str, new_code_ids: frozenset[int] = frozenset()
) -> Message:
    """The mail, in the language the order was placed in. Codes under review are never listed as
    working ones; the codes this mail gives anew (`new_code_ids`) are listed apart."""
    working = [] if order.codes_on_request else [line for line in order.code_lines if line.usable]
    return render_message(
        kind.template,
        order.email,
        order.locale,
        order.number,
        number=order.number,
        product=order.product_name,
        quantity=order.quantity,
        codes=[line.text for line in working if line.code_id not in new_code_ids],  # held back: the link only
        new_codes=[line.text for line in working if line.code_id in new_code_ids],
        on_request=order.codes_on_request,
        refunds=[refund for refund in order.refunds if refund.status in MONEY_MOVED],
        order_url=order_url,
    )
