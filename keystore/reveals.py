"""Codes shown on request: the buyer presses "show", each press is recorded (when, from which address,
with which browser), and a code remembers its first showing. On a refund, a code never shown goes
back to stock; a shown one stays with its order for good (burned: never sold again)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Case, Exists, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from app.core.db import changed_rows, utcnow, write_transaction
from app.core.models import Order, log_order
from keystore.models import Batch, Code, CodeReveal

SHOWABLE = ("delivered", "reported", "invalid", "confirmed_ok")  # every code an order holds
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # a header's bytes are the client's to choose
AGENT_MOST, ADDRESS_MOST = 400, 64
REVEALS_PER_HOUR = 20  # per order: each press is a row of evidence, not a thing to spam


class RevealRefused(LookupError):
    """Only a delivered order whose codes are shown on request has codes to reveal."""


@dataclass(frozen=True)
class Reveal:
    revealed_at: datetime
    address: str
    user_agent: str
    codes_shown: int


def reveal_codes(session: Session, order_id: int, address: str, user_agent: str) -> int:
    """Record one press of "show" and mark the order's unseen codes seen; returns how many were
    first shown now. Two presses at once are both recorded; each code is first shown by one."""
    with write_transaction(session):
        if not session.scalar(select(Order.id).where(*_revealable(order_id))):
            raise RevealRefused(f"order {order_id}: no codes to show on request")
        shown = changed_rows(
            session,
            update(Code)
            .where(Code.order_id == order_id, Code.revealed_at.is_(None), Code.status.in_(SHOWABLE))
            .values(revealed_at=utcnow())
            .execution_options(synchronize_session=False),
        )
        session.add(
            CodeReveal(
                order_id=order_id,
                address=_clean(address, ADDRESS_MOST),
                user_agent=_clean(user_agent, AGENT_MOST),
                codes_shown=shown,
            )
        )
        log_order(session, order_id, "shop.order.codes_revealed", f"{shown} shown from {_clean(address, 64)}")
    return shown


def _revealable(order_id: int) -> tuple:
    return Order.id == order_id, Order.status == "delivered", Order.reveal_on_request.is_(True)


def reveals_of(session: Session, order_id: int) -> list[Reveal]:
    rows = session.scalars(select(CodeReveal).where(CodeReveal.order_id == order_id).order_by(CodeReveal.id))
    return [Reveal(r.revealed_at, r.address, r.user_agent, r.codes_shown) for r in rows]


def unrevealed_count(session: Session, order_id: int) -> int:
    """The order's codes its buyer has not been shown yet."""
    return (
        session.scalar(
            select(func.count()).where(Code.order_id == order_id, Code.revealed_at.is_(None), Code.status.in_(SHOWABLE))
        )
        or 0
    )


def return_unrevealed(session: Session, order_id: int) -> int:
    """A refunded order's codes never shown go back where their batch is: on sale, quarantined (held
    or quarantined by staff) or revoked, never on sale from a batch taken off it; returns how many. Safe to run twice, and against a reveal at the same moment: a code is
    either shown (and stays) or returned, by whichever conditional UPDATE takes its row first."""
    with write_transaction(session):
        _lock_batches_of(session, order_id)
        returned = changed_rows(
            session,
            update(Code)
            .where(
                Code.order_id == order_id, Code.revealed_at.is_(None), Code.status == "delivered", _refunded(order_id)
            )
            .values(status=_where_its_batch_is(), order_id=None, delivered_at=None)
            .execution_options(synchronize_session=False),
        )
        if returned:
            log_order(session, order_id, "shop.order.codes_returned", f"{returned} never shown, back in stock")
    return returned


def _lock_batches_of(session: Session, order_id: int) -> None:
    """The batches' rows first, as staff moving a batch take them (keystore.staff_actions): a revoke
    committed while we waited is seen, and one after us moves the codes we returned."""
    batches = select(Code.batch_id).where(Code.order_id == order_id).scalar_subquery()
    session.scalars(select(Batch.id).where(Batch.id.in_(batches)).order_by(Batch.id).with_for_update()).all()


def _where_its_batch_is() -> Case:
    """Revoked, quarantined (by staff or held for complaints), or on sale: as its batch now is."""
    batch = select(Batch).where(Batch.id == Code.batch_id)
    withdrawn = batch.with_only_columns(Batch.withdrawn).scalar_subquery()
    held = batch.with_only_columns(Batch.on_hold).scalar_subquery()
    return case(
        (withdrawn == "revoked", "revoked"),
        (or_(held, withdrawn == "quarantined"), "quarantined"),
        else_="available",
    )


def _refunded(order_id: int) -> Exists:
    return exists().where(Order.id == order_id, Order.status == "refunded", Order.reveal_on_request.is_(True))


def refunded_with_unrevealed(session: Session, limit: int = 200) -> list[int]:
    """Refunded orders still holding codes never shown: what a sweep returns to stock."""
    query = (
        select(Order.id)
        .join(Code, and_(Code.order_id == Order.id, Code.revealed_at.is_(None), Code.status == "delivered"))
        .where(Order.status == "refunded", Order.reveal_on_request.is_(True))
        .distinct()
        .limit(limit)
    )
    ids = list(session.scalars(query))
    session.rollback()
    return ids


def _clean(text: str, most: int) -> str:
    return UNPRINTABLE.sub("", text or "")[:most]
