"""A dynamic product's reported code, held by the policy for want of stock, replaced by asking the
seller's URL for one code (webhook-id codes_<order>_report<id>, reason "replacement", amount 0).

The seller is asked with no transaction open; the code is then stored and given through replace_code
in one transaction, which takes the same locks as every replacement, so a staff decision taken
meanwhile wins (ReportClosed: nothing is stored). When the seller gives nothing the report stays
held for staff, who were told when it was held."""

from __future__ import annotations

from sqlalchemy import Result, select
from sqlalchemy.orm import Session

from app.core.db import write_transaction
from app.core.models import Order, Product
from delivery.dynamic.seller import BadAnswer, Sale, ask_seller
from delivery.dynamic.sources import Source, load_source
from feedback.models import CodeReport
from feedback.replace import NO_STOCK, ReportClosed, hold_replacements, lock_order_money, replace_code
from keystore.keyring import Keyring
from keystore.supplied import NotStored, store_supplied


class _NotReplaced(Exception):
    pass


def wants_the_seller(session: Session, report_id: int) -> bool:
    """Held for want of stock, of a product whose codes come from the seller."""
    return _held(session, report_id).first() is not None


def _held(session: Session, report_id: int) -> Result:
    return session.execute(
        select(Order.number, CodeReport.product_id, Product.slug, Order.currency)
        .join(Order, Order.id == CodeReport.order_id)
        .join(Product, Product.id == CodeReport.product_id)
        .where(CodeReport.id == report_id, CodeReport.status == "open", CodeReport.held_because == NO_STOCK)
        .where(Product.delivery == "dynamic")
    )


def replace_from_seller(session: Session, keyring: Keyring, report_id: int) -> str:
    """replaced, held (the seller gave nothing usable) or skipped; SellerUnavailable rises for a retry."""
    found = _sale(session, keyring, report_id)
    session.rollback()  # nothing held open while the seller answers
    if found is None:
        return "skipped"
    sale, source = found
    try:
        codes = ask_seller(source.url, source.secret, sale, sale.message_id(f"report{report_id}"))
        _give(session, keyring, report_id, source, codes)
    except (BadAnswer, NotStored, _NotReplaced):
        return "held"
    except ReportClosed:
        return "skipped"
    return "replaced"


def _sale(session: Session, keyring: Keyring, report_id: int) -> tuple[Sale, Source] | None:
    row = _held(session, report_id).first()
    source = load_source(session, keyring, row.product_id) if row else None
    if row is None or source is None:
        return None
    return Sale(row.number, row.product_id, row.slug, 1, row.currency, 0, reason="replacement"), source


def _give(session: Session, keyring: Keyring, report_id: int, source: Source, codes: list[str]) -> None:
    with write_transaction(session):
        report = session.get(CodeReport, report_id)
        if report is None:
            raise ReportClosed(f"report {report_id} is gone")
        hold_replacements(session, report)  # the locks in replace_code's order, before the codes
        lock_order_money(session, report)
        store_supplied(session, keyring, product_id=report.product_id, batch_id=source.batch_id, codes=codes)
        why = replace_code(session, report, "seller")
        if why:
            raise _NotReplaced(why)  # rolls back: the seller's code is not kept
