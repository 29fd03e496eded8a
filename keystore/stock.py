"""Stock counts and the storefront's stock state, read without decrypting anything."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keystore.models import Code


def available_counts(session: Session) -> dict[int, int]:
    query = select(Code.product_id, func.count()).where(Code.status == "available").group_by(Code.product_id)
    return dict(session.execute(query).all())


def available_count(session: Session, product_id: int) -> int:
    query = select(func.count()).where(Code.product_id == product_id, Code.status == "available")
    return session.scalar(query)


def stock_state(available: int, low_threshold: int) -> str:
    if available <= 0:
        return "sold_out"
    return "low" if available <= low_threshold else "in_stock"
