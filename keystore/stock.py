"""Stock counts and the storefront's stock state, read without decrypting anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.models import Product
from keystore.models import Batch, Code

SHOWN_STATUSES = ("available", "delivered", "reported", "invalid", "confirmed_ok", "quarantined", "revoked")


@dataclass
class StockRow:
    """Counts per status for a product or a batch."""

    id: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, status: str) -> int:
        return self.counts.get(status, 0)


def available_counts(session: Session) -> dict[int, int]:
    query = select(Code.product_id, func.count()).where(Code.status == "available").group_by(Code.product_id)
    return dict(session.execute(query).all())


def available_count(session: Session, product_id: int) -> int:
    query = select(func.count()).where(Code.product_id == product_id, Code.status == "available")
    return session.scalar(query)


def in_stock(product_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Whether the product has a code for sale, for a WHERE clause: one probe of the available codes'
    index, where counting them (the sweeper did, every 10 s) read the whole stock."""
    return exists().where(Code.product_id == product_id, Code.status == "available")


def more_available_than(session: Session, product_id: int, count: int) -> bool:
    """Whether more than `count` codes are for sale: reads at most count + 1 index entries, where a
    COUNT would read the whole stock on every delivery. From the newest end: codes are sold oldest
    first, so the oldest end holds the entries of codes sold since the last vacuum (and a plan
    without the order, a sequential scan, walked past every code ever sold)."""
    query = (
        select(Code.id)
        .where(Code.product_id == product_id, Code.status == "available")
        .order_by(Code.id.desc())
        .offset(count)
        .limit(1)
    )
    return session.scalar(query) is not None


def stock_by_product(session: Session) -> list[StockRow]:
    rows = {p.id: StockRow(p.id, p.name) for p in session.scalars(select(Product).order_by(Product.name))}
    for product_id, status, count in session.execute(
        select(Code.product_id, Code.status, func.count()).group_by(Code.product_id, Code.status)
    ):
        rows[product_id].counts[status] = count
    return list(rows.values())


def stock_by_batch(session: Session, product_id: int | None = None) -> list[StockRow]:
    query = select(Batch).order_by(Batch.id.desc())
    if product_id is not None:
        query = query.where(Batch.product_id == product_id)
    rows = {b.id: StockRow(b.id, b.name) for b in session.scalars(query)}
    counted = select(Code.batch_id, Code.status, func.count()).group_by(Code.batch_id, Code.status)
    for batch_id, status, count in session.execute(counted.where(Code.batch_id.in_(list(rows)))):
        rows[batch_id].counts[status] = count
    return list(rows.values())


def stock_state(available: int, low_threshold: int, reusable: bool = False) -> str:
    if available <= 0:
        return "sold_out"
    if reusable:
        return "in_stock"  # a shared code never runs out
    return "low" if available <= low_threshold else "in_stock"


@dataclass(frozen=True)
class LowStockWatch:
    """A product's low-stock alert settings, as the delivering transaction read them."""

    product_id: int
    threshold: int
    alerted: bool
    alerts: int


def crossed_low_stock(session: Session, watch: LowStockWatch) -> int | None:
    """Inside a write transaction: the alert number when stock has just fallen to the threshold.

    Once per crossing: the flag is set by a conditional update and cleared when a batch lifts the
    stock above the threshold again.
    """
    if watch.alerted or more_available_than(session, watch.product_id, watch.threshold):
        return None
    alert = watch.alerts + 1
    moved = session.execute(
        update(Product)
        .where(Product.id == watch.product_id, Product.low_stock_alerted.is_(False))
        .values(low_stock_alerted=True, low_stock_alerts=alert),
        execution_options={"synchronize_session": False},
    )
    return alert if moved.rowcount == 1 else None


def rearm_low_stock(session: Session, product_id: int) -> None:
    """Inside a write transaction, after stock arrived: the next fall below the threshold alerts again."""
    threshold = session.scalar(select(Product.low_stock_threshold).where(Product.id == product_id))
    if more_available_than(session, product_id, threshold):
        session.execute(update(Product).where(Product.id == product_id).values(low_stock_alerted=False))
