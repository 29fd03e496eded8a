"""The invariants, one function each: `(session, now, instance) -> [one line per breach]`.

Codes are named by row id and orders by number, never by content. Each list is cut at LISTED lines
with a count of the rest, so a badly broken shop still prints a readable report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.core.models import Order, Product
from delivery.ledger.outboxes import import_stuck, refund_stuck, upload_left_on_disk
from keystore.models import SOLD_STATUSES, Code
from payments.models import Payment, Refund

LISTED = 50
PAID_DEADLINE = timedelta(minutes=15)  # the sweeper re-enqueues after seconds; this is far past that
REFUND_COUNTS = ("requested", "pending", "succeeded", "manual")


def _cut(lines: list[str]) -> list[str]:
    return lines if len(lines) <= LISTED else lines[:LISTED] + [f"... and {len(lines) - LISTED} more"]


def code_sold_twice(session: Session, now: datetime, instance) -> list[str]:
    """One code's content (its blind index) in two orders; a reusable product's shared code aside."""
    twice = (
        select(Code.blind_index)
        .join(Product, Product.id == Code.product_id)
        .where(Code.status.in_(SOLD_STATUSES), Product.reusable.is_(False))
        .group_by(Code.blind_index)
        .having(func.count(distinct(Code.order_id)) > 1)
    )
    rows = session.execute(
        select(Code.blind_index, Code.id, Order.number)
        .join(Order, Order.id == Code.order_id)
        .where(Code.blind_index.in_(twice))
        .order_by(Code.blind_index, Code.id)
    ).all()
    holders: dict[bytes, list[str]] = {}
    for index, code_id, number in rows:
        holders.setdefault(index, []).append(f"code {code_id} in {number}")
    return _cut([f"one code sold to several orders: {', '.join(found)}" for found in holders.values()])


def code_in_two_products(session: Session, now: datetime, instance) -> list[str]:
    rows = session.execute(
        select(func.min(Code.id), func.max(Code.id), func.count(distinct(Code.product_id)))
        .join(Product, Product.id == Code.product_id)
        .where(Product.reusable.is_(False))
        .group_by(Code.blind_index)
        .having(func.count(distinct(Code.product_id)) > 1)
    ).all()
    return _cut([f"one code stocked in {products} products (codes {low} and {high})" for low, high, products in rows])


def code_state_and_owner_disagree(session: Session, now: datetime, instance) -> list[str]:
    """A sold code belongs to an order; a code for sale belongs to none; and to its own product."""
    sold_alone = session.scalars(select(Code.id).where(Code.status.in_(SOLD_STATUSES), Code.order_id.is_(None)))
    stock_owned = session.execute(
        select(Code.id, Order.number)
        .join(Order, Order.id == Code.order_id)
        .where(Code.status.in_(("staged", "available")))
    )
    elsewhere = session.execute(
        select(Code.id, Order.number).join(Order, Order.id == Code.order_id).where(Code.product_id != Order.product_id)
    )
    return _cut(
        [f"code {code_id} is sold but belongs to no order" for code_id in sold_alone]
        + [f"code {code_id} is for sale but belongs to {number}" for code_id, number in stock_owned]
        + [f"code {code_id} of another product was given to {number}" for code_id, number in elsewhere]
    )


def paid_order_left_behind(session: Session, now: datetime, instance) -> list[str]:
    """Every paid order is delivered, awaiting stock, in review or refunded, soon after its payment."""
    late = session.execute(
        select(Order.number, Order.paid_at)
        .where(Order.status == "paid", Order.paid_at <= now - PAID_DEADLINE)
        .order_by(Order.paid_at)
    )
    unpaid = session.execute(
        select(Order.number, Order.status).where(
            Order.status.in_(("pending", "failed")), Order.id.in_(select(Payment.order_id))
        )
    )
    return _cut(
        [f"{number} paid at {paid_at:%Y-%m-%d %H:%M} UTC and still not delivered" for number, paid_at in late]
        + [f"{number} has a payment recorded but is {status}" for number, status in unpaid]
    )


def delivered_without_its_codes(session: Session, now: datetime, instance) -> list[str]:
    held = select(func.count(Code.id)).where(Code.order_id == Order.id).correlate(Order).scalar_subquery()
    short = session.execute(
        select(Order.number, Order.quantity, held)
        .join(Product, Product.id == Order.product_id)
        .where(Order.status == "delivered", Product.reusable.is_(False), held < Order.quantity)
    )
    no_shared = session.scalars(
        select(Order.number)
        .join(Product, Product.id == Order.product_id)
        .where(Order.status == "delivered", Product.reusable.is_(True), Order.shared_code_id.is_(None))
    )
    return _cut(
        [f"{number} is delivered with {count} of its {quantity} code(s)" for number, quantity, count in short]
        + [f"{number} is delivered without its shared code" for number in no_shared]
    )


def refunded_above_paid(session: Session, now: datetime, instance) -> list[str]:
    paid = select(Payment.order_id, func.sum(Payment.amount_minor).label("paid")).group_by(Payment.order_id).subquery()
    refunded = (
        select(Refund.order_id, func.sum(Refund.amount_minor).label("refunded"), func.min(Refund.currency))
        .where(Refund.status.in_(REFUND_COUNTS))
        .group_by(Refund.order_id)
        .subquery()
    )
    rows = session.execute(
        select(Order.number, refunded.c.refunded, func.coalesce(paid.c.paid, 0), Order.currency)
        .join(refunded, refunded.c.order_id == Order.id)
        .outerjoin(paid, paid.c.order_id == Order.id)
        .where(refunded.c.refunded > func.coalesce(paid.c.paid, 0))
    )
    return _cut(
        [
            f"{number}: refunds of {out} {currency} exceed the {came} {currency} paid"
            for number, out, came, currency in rows
        ]
    )


def payment_above_its_order(session: Session, now: datetime, instance) -> list[str]:
    """Money beyond the order's price, or in another currency, is flagged for staff, never silent."""
    unflagged = (
        select(Payment.order_id, func.sum(Payment.amount_minor).label("paid"))
        .where(Payment.flag.is_(None))
        .group_by(Payment.order_id)
        .subquery()
    )
    above = session.execute(
        select(Order.number, unflagged.c.paid, Order.amount_minor, Order.currency)
        .join(unflagged, unflagged.c.order_id == Order.id)
        .where(unflagged.c.paid > Order.amount_minor)
    )
    foreign = session.execute(
        select(Order.number, Payment.id, Payment.currency, Order.currency)
        .join(Payment, Payment.order_id == Order.id)
        .where(Payment.flag.is_(None), Payment.currency != Order.currency)
    )
    return _cut(
        [
            f"{number}: {paid} {currency} paid without a flag on an order of {amount} {currency}"
            for number, paid, amount, currency in above
        ]
        + [
            f"{number}: payment {payment_id} in {theirs} without a flag on an order in {ours}"
            for number, payment_id, theirs, ours in foreign
        ]
    )


CHECKS = {
    "code_sold_twice": code_sold_twice,
    "code_in_two_products": code_in_two_products,
    "code_state_and_owner": code_state_and_owner_disagree,
    "paid_order_left_behind": paid_order_left_behind,
    "delivered_without_codes": delivered_without_its_codes,
    "refunded_above_paid": refunded_above_paid,
    "payment_above_order": payment_above_its_order,
    "refund_stuck": refund_stuck,
    "import_stuck": import_stuck,
    "upload_left_on_disk": upload_left_on_disk,
}
