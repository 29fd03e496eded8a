"""The atomic claim: N unsold codes for one order, never one code for two orders.

PostgreSQL locks candidate rows with FOR UPDATE SKIP LOCKED so concurrent claims take different
rows without waiting; SQLite runs inside BEGIN IMMEDIATE (see app.db.write_transaction), which
serialises writers, and the guarded UPDATE … RETURNING does the rest.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.core.db import utcnow

# The pick is a MATERIALIZED CTE, not `id IN (subquery)`: with stale statistics PostgreSQL may plan
# the subquery as the inner side of a nested loop and rescan it per outer row, and a rescanned
# LIMIT … FOR UPDATE SKIP LOCKED can pick other rows each time (too many, or none at all).
_POSTGRES = """
    WITH picked AS MATERIALIZED (
        SELECT id FROM codes WHERE product_id = :product_id AND status = 'available'{batch}
        ORDER BY id LIMIT :quantity FOR UPDATE SKIP LOCKED
    )
    UPDATE codes SET status = 'delivered', order_id = :order_id, delivered_at = :now
    FROM picked WHERE codes.id = picked.id AND codes.status = 'available'
    RETURNING codes.id
    """
_SQLITE = """
    UPDATE codes SET status = 'delivered', order_id = :order_id, delivered_at = :now
    WHERE id IN (
        SELECT id FROM codes INDEXED BY ix_codes_available
        WHERE product_id = :product_id AND status = 'available'{batch}
        ORDER BY id LIMIT :quantity
    ) AND status = 'available'
    RETURNING id
    """
# A replacement is claimed from one chosen batch (feedback.replace); a sale from any.
_STATEMENTS = {
    (dialect, one_batch): text(sql.format(batch=" AND batch_id = :batch_id" if one_batch else ""))
    for dialect, sql in (("postgresql", _POSTGRES), ("sqlite", _SQLITE))
    for one_batch in (False, True)
}


def claim_codes(
    session: Session, *, product_id: int, order_id: int, quantity: int, batch_id: int | None = None
) -> list[int]:
    """Mark up to `quantity` available codes (of `batch_id` only, when given) delivered to the order;
    return their ids.

    Call it inside the caller's write transaction; when fewer than `quantity` come back the caller
    rolls back, so a partial claim is never kept.
    """
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    params = dict(order_id=order_id, product_id=product_id, quantity=quantity, now=utcnow())
    if batch_id is not None:
        params["batch_id"] = batch_id
    return [row[0] for row in session.execute(_STATEMENTS[dialect, batch_id is not None], params)]


def shared_code(session: Session, product_id: int) -> int | None:
    """A reusable product's code: the newest available one, never consumed."""
    return session.scalar(
        text("SELECT id FROM codes WHERE product_id = :product_id AND status = 'available' ORDER BY id DESC LIMIT 1"),
        {"product_id": product_id},
    )
