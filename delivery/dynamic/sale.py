"""A dynamic product's sale: its codes asked of the seller's URL, then stored and claimed in the one
delivering transaction (delivery.fulfil), so the order's codes are stored once however many times
this runs: the order's move from paid to delivered decides, and a second run finds it delivered.

No transaction is open while the seller is asked. What is worth asking again is raised for RQ to
retry (delivery.queues.SELLER_RETRY); after the last try, or at once on a wrong answer, the order
waits for stock (a batch uploaded by hand fulfils it) and staff are told (delivery.failed)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Order, Product
from delivery.dynamic.seller import BadAnswer, Sale, SellerUnavailable, ask_seller
from delivery.dynamic.sources import Source, load_source
from delivery.fulfil import Fulfilment, Supplied, run_fulfilment, wait_for_stock
from keystore.keyring import Keyring
from keystore.supplied import NotStored

log = logging.getLogger(__name__)


def deliver_from_seller(
    session: Session, keyring: Keyring, order_id: int, mail_now: bool, last_try: bool
) -> Fulfilment:
    """Raises SellerUnavailable unless `last_try`, for the job to be tried again later."""
    found = _paid_sale(session, keyring, order_id)
    session.rollback()  # nothing held open while the seller answers
    if found is None:
        return Fulfilment("skipped")
    sale, source = found
    if source is None:
        return _give_up(session, order_id, mail_now, "the product has no seller URL")
    try:
        codes = ask_seller(source.url, source.secret, sale, sale.message_id())
    except SellerUnavailable as exc:
        if not last_try:
            log.warning("seller's URL unavailable (%s); asking again later", exc, extra={"order": sale.order})
            raise
        return _give_up(session, order_id, mail_now, f"the seller's URL gave no codes after every try: {exc}")
    except BadAnswer as exc:
        return _give_up(session, order_id, mail_now, f"the seller's URL answered wrongly: {exc}")
    try:
        return run_fulfilment(session, order_id, mail_now, Supplied(keyring, source.batch_id, codes))
    except NotStored as exc:
        return _give_up(session, order_id, mail_now, f"the seller's codes could not be stored: {exc}")


def _paid_sale(session: Session, keyring: Keyring, order_id: int) -> tuple[Sale, Source | None] | None:
    """The sale to ask codes for: a paid order of a dynamic product; None for any other order."""
    row = session.execute(
        select(Order.number, Order.product_id, Product.slug, Order.quantity, Order.currency, Order.amount_minor)
        .join(Product, Product.id == Order.product_id)
        .where(Order.id == order_id, Order.status == "paid", Product.delivery == "dynamic")
    ).first()
    if row is None:
        return None
    return Sale(*row), load_source(session, keyring, row.product_id)


def _give_up(session: Session, order_id: int, mail_now: bool, reason: str) -> Fulfilment:
    log.warning("no codes from the seller's URL: %s", reason, extra={"order_id": order_id})
    return wait_for_stock(session, order_id, mail_now, reason, "delivery.failed", error=reason[:500])
