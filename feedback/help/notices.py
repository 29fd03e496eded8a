"""Proactive notes the shop turns on: an order waiting for stock too long, a delivered order whose
code was reported, a visitor back on the same product page again and again. Each is one row (unique
per kind and subject): shown once in the widget, and mailed once where the buyer gave an email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import utcnow, write_transaction
from app.core.models import Order, Product
from app.core.shop_settings import setting
from delivery.mail.log import owe
from delivery.mail.pace import schedule_drain
from feedback.help.models import ProactiveNotice
from feedback.help.notice_words import notice_text
from feedback.models import CodeReport

REPEAT_WINDOW = 86400


@dataclass(frozen=True)
class ShownNotice:
    id: int
    kind: str
    text: str
    order_id: int | None = None
    product_id: int | None = None


def create_notice(session: Session, kind: str, subject: str, **fields) -> int | None:
    """The notice's id, or None when this kind of note about this subject exists already. A note
    about an order is mailed to its buyer too: the mail is owed with the note."""
    try:
        with write_transaction(session):
            notice = ProactiveNotice(kind=kind, subject=subject, **fields)
            session.add(notice)
            session.flush()
            if notice.order_id is not None:
                owe(session, f"notice:{notice.id}", "notice", order_id=notice.order_id)
            return notice.id
    except IntegrityError:
        return None


def sweep_notices(session: Session, _older_than_seconds: int = 60) -> int:
    """Run by the sweeper: write the notes now due, their mail owed with them. Returns how many it wrote."""
    due = _waiting_orders(session) + _reported_orders(session)
    session.rollback()
    written = [
        notice_id
        for kind, order_id, locale in due
        if (notice_id := create_notice(session, kind, f"order:{order_id}", order_id=order_id, locale=locale))
    ]
    if written:
        schedule_drain()
    return len(written)


def _waiting_orders(session: Session) -> list[tuple[str, int, str]]:
    minutes = int(setting(session, "notice_backorder_minutes") or 0)
    if minutes <= 0:
        return []
    rows = session.execute(
        select(Order.id, Order.locale).where(
            Order.status == "awaiting_stock",
            Order.paid_at <= utcnow() - timedelta(minutes=minutes),
            ~exists().where(ProactiveNotice.kind == "backorder", ProactiveNotice.order_id == Order.id),
        )
    )
    return [("backorder", order_id, locale) for order_id, locale in rows]


def _reported_orders(session: Session) -> list[tuple[str, int, str]]:
    if setting(session, "notice_reported") != "1":
        return []
    rows = session.execute(
        select(Order.id, Order.locale).where(
            exists().where(CodeReport.order_id == Order.id),
            ~exists().where(ProactiveNotice.kind == "reported", ProactiveNotice.order_id == Order.id),
        )
    )
    return [("reported", order_id, locale) for order_id, locale in rows]


def product_viewed(session: Session, redis, visitor: str, product_id: int, locale: str) -> None:
    """Count a visitor's views of a product page in a day; at the shop's threshold, offer help once."""
    threshold = int(setting(session, "notice_repeat_views") or 0)
    session.rollback()
    if threshold <= 0:
        return
    key = f"keyshop:views:{visitor}:{product_id}"
    try:
        pipe = redis.pipeline()
        views, _ = pipe.incr(key).expire(key, REPEAT_WINDOW, nx=True).execute()
    except RedisError:
        return  # a note we could not count is a note not shown: nothing is lost
    if views == threshold:
        create_notice(
            session,
            "repeat_views",
            f"visitor:{visitor}:product:{product_id}",
            visitor=visitor,
            product_id=product_id,
            locale=locale,
        )


def unseen(session: Session, order_ids: list[int], visitor: str | None, locale: str) -> list[ShownNotice]:
    """The notes for these orders and this visitor that no page has shown yet."""
    rows = session.execute(
        select(ProactiveNotice, Order.number, Product.name)
        .outerjoin(Order, Order.id == ProactiveNotice.order_id)
        .outerjoin(Product, Product.id == ProactiveNotice.product_id)
        .where(_theirs(order_ids, visitor), ProactiveNotice.seen_at.is_(None))
    ).all()
    session.rollback()
    return [
        ShownNotice(
            notice.id,
            notice.kind,
            notice_text(locale, notice.kind, number=number or "", product=product or ""),
            notice.order_id,
            notice.product_id,
        )
        for notice, number, product in rows
    ]


def mark_seen(session: Session, notice_ids: list[int], order_ids: list[int], visitor: str | None) -> int:
    """A page showed these notes: they are not given again. Marked only after the page said so, so a
    page left before it could show a note does not lose it; and only the holder's own notes."""
    with write_transaction(session):
        return session.execute(
            update(ProactiveNotice)
            .where(ProactiveNotice.id.in_(notice_ids), _theirs(order_ids, visitor), ProactiveNotice.seen_at.is_(None))
            .values(seen_at=utcnow())
        ).rowcount


def _theirs(order_ids: list[int], visitor: str | None):
    theirs = ProactiveNotice.order_id.in_(order_ids or [0])
    return theirs | (ProactiveNotice.visitor == visitor) if visitor else theirs
