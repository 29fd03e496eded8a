"""A refunded order's codes its buyer was never shown go back to stock (keystore.reveals): right
after the refund's money moved, and by the sweeper for any refund whose follow-up was lost."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keystore.reveals import refunded_with_unrevealed, return_unrevealed
from payments.models import Refund


def restock_after_refund(session: Session, refund_id: int) -> int:
    """How many codes went back; 0 unless the refund made its order refunded (a whole refund)."""
    order_id = session.scalar(select(Refund.order_id).where(Refund.id == refund_id))
    session.rollback()
    return 0 if order_id is None else return_unrevealed(session, order_id)


def sweep_unrevealed(session: Session) -> int:
    return sum(return_unrevealed(session, order_id) for order_id in refunded_with_unrevealed(session))
