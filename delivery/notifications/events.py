"""The events staff can be told of, each with the words of the settings page and its mail's template
(delivery/mail/templates/owners/<template>.txt)."""

from __future__ import annotations

from dataclasses import dataclass


def _(words: str) -> str:
    """Marks words for `make messages`; the page translates them when it shows them."""
    return words


@dataclass(frozen=True)
class Event:
    name: str
    words: str
    digest: bool = False  # may be told once a day instead of each time


EVENTS = (
    Event("order.paid", _("A new paid order"), digest=True),
    Event("order.awaiting_stock", _("An order waits for stock")),
    Event("refund.automatic", _("An automatic refund")),
    Event("delivery.failed", _("A delivery failed")),
    Event("mail.failed", _("A mail failed")),
    Event("stock.low", _("Low stock")),
    Event("report.held", _("A report held for staff")),
    Event("report.due_soon", _("A held report nears its decision deadline")),
    Event("report.overdue", _("A held report past its decision deadline")),
    Event("conversation.at_risk", _("A conversation close to its deadline")),
    Event("conversation.overdue", _("An overdue conversation")),
    Event("batch.held", _("A batch put on hold")),
    Event("stock.held_out", _("A batch on hold left a product without stock")),
)
BY_NAME = {event.name: event for event in EVENTS}
MODES = ("off", "each", "digest")
MODE_WORDS = {"off": _("Off"), "each": _("Each time"), "digest": _("Daily digest")}


def modes_of(event: str) -> tuple[str, ...]:
    """The modes a member may choose for `event`: a digest only where the event has one."""
    return MODES if BY_NAME[event].digest else MODES[:2]


def template_of(event: str) -> str:
    """order.awaiting_stock -> order_awaiting_stock (its owners' template)."""
    return event.replace(".", "_")
