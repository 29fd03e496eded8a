"""Staff's order list: search by number or email, filter by state, page through, export as CSV."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.core.csv_cells import csv_text
from app.core.models import Order, Product
from app.core.money import to_major
from app.core.order_states import ORDER_STATUSES

PAGE_SIZE = 50
CSV_COLUMNS = (
    "number",
    "created_at",
    "status",
    "product",
    "quantity",
    "amount",
    "currency",
    "email",
    "method",
    "paid_at",
    "delivered_at",
    "locale",
)


@dataclass(frozen=True)
class OrderFilter:
    query: str = ""
    status: str = ""
    product: str = ""  # a product's slug

    def where(self) -> list:
        conditions = []
        if self.status in ORDER_STATUSES:
            conditions.append(Order.status == self.status)
        if self.product:
            conditions.append(
                Order.product_id == select(Product.id).where(Product.slug == self.product).scalar_subquery()
            )
        if self.query.strip():
            text = f"%{self.query.strip().lower()}%"
            conditions.append(or_(func.lower(Order.number).like(text), func.lower(Order.email).like(text)))
        return conditions


def order_page(session: Session, wanted: OrderFilter, page: int, size: int = PAGE_SIZE) -> tuple[list[Order], int]:
    """One page of orders, newest first, and how many pages there are."""
    total = session.scalar(select(func.count()).select_from(Order).where(*wanted.where()))
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = session.scalars(
        select(Order).where(*wanted.where()).order_by(Order.id.desc()).offset((page - 1) * size).limit(size)
    ).all()
    return list(rows), pages


def orders_csv(session: Session, wanted: OrderFilter) -> str:
    """Every matching order (never a code, never a token), formula-safe (app.csv_cells)."""
    orders = session.scalars(select(Order).where(*wanted.where()).order_by(Order.id))
    return csv_text(
        CSV_COLUMNS,
        (
            (
                order.number,
                order.created_at.isoformat(),
                order.status,
                order.product.name,
                order.quantity,
                to_major(order.amount_minor, order.currency),
                order.currency,
                order.email,
                order.method,
                _iso(order.paid_at),
                _iso(order.delivered_at),
                order.locale,
            )
            for order in orders
        ),
    )


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""
