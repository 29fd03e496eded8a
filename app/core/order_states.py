"""An order's states and the one table of the moves between them.

Every change of orders.status is made here, as a conditional UPDATE whose `status IN (...)` comes
from the table: of two racing callers (two jobs, a webhook and a refund) only one moves the order,
and no caller can make a move the table does not name. tests/app/core/test_order_states.py holds
the rest of the code to that, statically and against the database while the whole suite runs.
"""

from __future__ import annotations

from sqlalchemy import Update, update
from sqlalchemy.orm import Session

from app.core.models import Order

ORDER_STATUSES = (
    "pending",  # created, waiting for the payment (the initial state: Order.status's default)
    "paid",  # payment recorded, the fulfilment job on its way
    "awaiting_stock",  # paid, but not enough codes: fulfilled first come, first served on import
    "delivered",  # the codes are the buyer's
    "failed",  # the payment failed or expired; a late success still pays it
    "review",  # flagged (a payment did not match, or stock never came): staff decide
    "refunded",  # every payment the order received went back in full
)
INITIAL = "pending"

# The moves, by the event that makes them. An event is named as its line in the order's log
# (shop.order.<event>) where it has one; "refunded" is logged per refund (shop.order.refund_*).
# fmt: off
TRANSITIONS = (
    # from              event                to
    ("pending",         "paid",              "paid"),
    ("failed",          "paid",              "paid"),  # a late success after a failure still took the money
    ("pending",         "failed",            "failed"),
    ("pending",         "flagged",           "review"),
    ("failed",          "flagged",           "review"),
    ("review",          "accepted",          "paid"),  # staff accept the flagged payment
    ("paid",            "awaiting_stock",    "awaiting_stock"),
    ("paid",            "delivered",         "delivered"),
    ("awaiting_stock",  "delivered",         "delivered"),
    ("awaiting_stock",  "backorder_expired", "review"),  # waited too long: refunded, never delivered late
    # A whole refund ends the order from wherever it is: the money went back.
    ("pending",         "refunded",          "refunded"),
    ("paid",            "refunded",          "refunded"),
    ("awaiting_stock",  "refunded",          "refunded"),
    ("delivered",       "refunded",          "refunded"),
    ("failed",          "refunded",          "refunded"),
    ("review",          "refunded",          "refunded"),
)
# fmt: on


SOURCES = {event: tuple(s for s, e, _ in TRANSITIONS if e == event) for _, event, _ in TRANSITIONS}
TARGETS = {event: to for _, event, to in TRANSITIONS}  # one target per event (a test holds it)


def statement(event: str, *where, **values) -> Update:
    """The conditional UPDATE that makes `event` happen to the orders matching `where`, setting
    `values` besides the status. The fast paths build it once, with bind parameters and RETURNING."""
    if "status" in values:
        raise ValueError("the status comes from the table, not from the caller")
    if event not in TARGETS:
        raise KeyError(f"no order transition {event!r} in app.core.order_states")
    return (
        update(Order.__table__).where(*where, Order.status.in_(SOURCES[event])).values(status=TARGETS[event], **values)
    )


def move(session: Session, order_id: int, event: str, **values) -> bool:
    """Make `event` happen to one order, in the caller's transaction; whether it did (the order was
    in a state the event moves out of). Checked by row count, never read-modify-write."""
    return session.execute(statement(event, Order.id == order_id, **values)).rowcount == 1
