"""Fulfil a paid order: claim its codes, mark it delivered and record the mail it owes, in one
transaction. Safe to run twice.

One word for the act: an order is fulfilled (here, and by the RQ job delivery.jobs.fulfil_order);
"delivered" is only the state it reaches when its codes are the buyer's."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.core import order_states
from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product, log_order
from app.core.webhook_outbox import owe_order_event
from delivery.mail.log import owe_order_mail
from delivery.mail.low_stock import owe_low_stock_mail
from delivery.notifications.tell import tell
from keystore.claim import claim_codes, shared_code
from keystore.keyring import Keyring
from keystore.stock import LowStockWatch, crossed_low_stock
from keystore.supplied import store_and_claim

log = logging.getLogger(__name__)


class _OutOfStock(Exception):
    pass


class _AskTheSeller(Exception):
    """A dynamic product with no code in stock: its codes are asked of the seller (delivery.dynamic)."""


@dataclass(frozen=True)
class Supplied:
    """Codes the seller gave for this order, to be stored in `batch_id` and claimed in the delivering
    transaction (keystore.supplied)."""

    keyring: Keyring
    batch_id: int
    codes: list[str]


@dataclass(frozen=True)
class Fulfilment:
    """What one run of the fulfilment did, and what follows from it after the commit."""

    outcome: str  # delivered | awaiting_stock | skipped | ask_seller (a dynamic product: delivery.dynamic)
    number: str = ""
    low_stock_alert: int | None = None  # took the stock down to its threshold: the owners' mail is owed
    seconds_since_paid: float | None = None
    mail: str = ""  # the buyer's mail this run recorded: owed (pending), claimed (sending), or none


def fulfil(session: Session, order_id: int) -> str:
    """Return what happened: delivered, awaiting_stock, or skipped (not payable-and-undelivered)."""
    return run_fulfilment(session, order_id).outcome


def run_fulfilment(
    session: Session, order_id: int, mail_now: bool = False, supplied: Supplied | None = None
) -> Fulfilment:
    """Fulfil, and say what follows from it, all in the one delivering transaction. `mail_now`: the
    caller sends the buyer's mail right after the commit, so it is recorded as being sent rather
    than owed, which spares the sender a transaction of its own. `supplied`: the seller's codes of
    a dynamic product, stored and claimed here instead of stock."""
    try:
        with write_transaction(session):
            now = utcnow()
            order = _take(session, order_id, now)
            if order is None:  # not payable-and-undelivered: delivered already, refunded, unknown
                return Fulfilment("skipped")
            given = _give(session, order, supplied)
            log_order(session, order_id, "shop.order.delivered", given)
            owe_order_event(session, "order.delivered", order_id)
            mail = owe_order_mail(session, order_id, "delivered", claimed=mail_now)
            alert = None if order.reusable or order.dynamic else crossed_low_stock(session, order.low_stock)
            if alert is not None:
                owe_low_stock_mail(session, order.product_id, alert)
            fulfilment = Fulfilment(
                "delivered", order.number, alert, (now - order.paid_at).total_seconds() if order.paid_at else None, mail
            )
    except _OutOfStock:
        return _wait_for_stock(session, order_id, mail_now)
    except _AskTheSeller:
        return Fulfilment("ask_seller")
    log.info("order delivered", extra={"order": fulfilment.number})
    return fulfilment


@dataclass(frozen=True)
class _Taken:
    """What delivering needs of the order and its product, returned by the statement that moved it."""

    id: int
    number: str
    product_id: int
    quantity: int
    paid_at: datetime | None
    reusable: bool
    dynamic: bool
    low_stock: LowStockWatch


def _product(column):
    return select(column).where(Product.id == Order.product_id).scalar_subquery()


# One statement moves the order and reads what delivering needs: first, because on PostgreSQL it
# locks the order row, so a second job for the same order waits here and then finds nothing to do.
_TAKE = order_states.statement(
    "delivered", Order.id == bindparam("_order_id"), delivered_at=bindparam("_now")
).returning(
    Order.number,
    Order.product_id,
    Order.quantity,
    Order.paid_at,
    _product(Product.reusable),
    _product(Product.low_stock_threshold),
    _product(Product.low_stock_alerted),
    _product(Product.low_stock_alerts),
    _product(Product.delivery),
)


def _take(session: Session, order_id: int, now: datetime) -> _Taken | None:
    row = session.execute(_TAKE, {"_order_id": order_id, "_now": now}).first()
    if row is None:
        return None
    number, product_id, quantity, paid_at, reusable, threshold, alerted, alerts, delivery = row
    return _Taken(
        order_id,
        number,
        product_id,
        quantity,
        paid_at,
        bool(reusable),
        delivery == "dynamic",
        LowStockWatch(product_id, threshold, bool(alerted), alerts),
    )


def _give(session: Session, order: _Taken, supplied: Supplied | None) -> str:
    if order.reusable:
        return _give_shared(session, order)
    if supplied is not None:
        store_and_claim(
            session,
            supplied.keyring,
            product_id=order.product_id,
            batch_id=supplied.batch_id,
            order_id=order.id,
            codes=supplied.codes,
        )
        return f"{len(supplied.codes)} code(s) from the seller's URL"
    try:
        return _claim(session, order)
    except _OutOfStock:  # codes staff uploaded to a dynamic product go first; else the seller is asked
        if order.dynamic:
            raise _AskTheSeller from None
        raise


def _claim(session: Session, order: _Taken) -> str:
    claimed = claim_codes(session, product_id=order.product_id, order_id=order.id, quantity=order.quantity)
    if len(claimed) < order.quantity:
        raise _OutOfStock  # rolls the whole transaction back: a partial claim is never kept
    return f"{len(claimed)} code(s)"


def _give_shared(session: Session, order: _Taken) -> str:
    code_id = shared_code(session, order.product_id)
    if code_id is None:
        raise _OutOfStock
    if not _record_shared_code(session, order.id, code_id):
        raise RuntimeError("the order left 'delivered' inside its own transaction")
    return "the shared code"


def _record_shared_code(session: Session, order_id: int, code_id: int) -> bool:
    """Not a move: the order stays delivered, and only a delivered order holds a shared code."""
    statement = update(Order.__table__).where(Order.id == order_id, Order.status == "delivered")
    return session.execute(statement.values(shared_code_id=code_id)).rowcount == 1


def _wait_for_stock(session: Session, order_id: int, mail_now: bool) -> Fulfilment:
    return wait_for_stock(session, order_id, mail_now, "not enough codes in stock")


def wait_for_stock(
    session: Session, order_id: int, mail_now: bool, reason: str, event: str = "order.awaiting_stock", **told: str
) -> Fulfilment:
    """The paid order waits for stock (a batch uploaded fulfils it); its buyer and staff are told,
    staff by `event` (order.awaiting_stock, or delivery.failed when the seller's URL gave no codes)."""
    mail = ""
    with write_transaction(session):
        number = session.scalar(select(Order.number).where(Order.id == order_id))
        if order_states.move(session, order_id, "awaiting_stock"):
            log_order(session, order_id, "shop.order.awaiting_stock", reason[:500])
            mail = owe_order_mail(session, order_id, "awaiting_stock", claimed=mail_now)
            tell(session, event, str(order_id), number=number, **told)
            owe_order_event(session, "order.awaiting_stock", order_id)
    log.info("order awaits stock", extra={"order": number})
    return Fulfilment("awaiting_stock", number or "", mail=mail)
