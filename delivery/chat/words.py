"""The words of one chat message that tells a channel everything it was owed in a window: the events
grouped by kind, each group one line ("3 new paid orders: KS-1, KS-2, KS-3 (total $150.00)")."""

from __future__ import annotations

from collections import Counter

from app.core.money import format_money
from delivery.chat.outbox import Owed
from delivery.notifications.events import BY_NAME

TITLE = "keyshop"
NAMED = 10  # a line names this many, then says how many more
FIRST = ("number", "product", "batch", "conversation", "mail")  # what an event is about, in people's words
THEN = ("reason", "error", "left")


def message_text(owed: list[Owed]) -> str:
    """One line per kind of event, in the order each kind first came."""
    kinds: dict[str, list[Owed]] = {}
    for message in owed:
        kinds.setdefault(message.event, []).append(message)
    return "\n".join(_line(event, group) for event, group in kinds.items())


def _line(event: str, group: list[Owed]) -> str:
    if event == "order.paid":
        return _paid_line(group)
    words = BY_NAME[event].words if event in BY_NAME else event
    details = _named([_detail(message) for message in group])
    return f"{words}: {details}" if len(group) == 1 else f"{words} ({len(group)}): {details}"


def _paid_line(group: list[Owed]) -> str:
    numbers = _named([_detail(message) for message in group])
    if len(group) == 1:
        amount = group[0].values.get("amount", "")
        return f"A new paid order: {numbers}" + (f", {amount}" if amount else "")
    return f"{len(group)} new paid orders: {numbers} (total {_totals(group)})"


def _totals(group: list[Owed]) -> str:
    """Summed per currency, never added across currencies."""
    sums: Counter[str] = Counter()
    for message in group:
        minor, currency = message.values.get("amount_minor"), message.values.get("currency")
        if isinstance(minor, int) and isinstance(currency, str):
            sums[currency] += minor
    return " + ".join(format_money(total, currency) for currency, total in sorted(sums.items())) or "?"


def _named(details: list[str]) -> str:
    more = len(details) - NAMED
    return ", ".join(details[:NAMED]) + (f" and {more} more" if more > 0 else "")


def _detail(message: Owed) -> str:
    values = message.values
    head = next((str(values[k]) for k in FIRST if values.get(k)), message.key.split(":", 2)[-1])
    tail = next((str(values[k]) for k in THEN if values.get(k) not in (None, "")), "")
    return f"{head} ({tail[:120]})" if tail else head
