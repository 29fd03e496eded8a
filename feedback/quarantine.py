"""Holding a batch for complaints (feedback.complaints counts them), and its release.

A hold and a release (keystore.staff_actions.move_batch) each take the batch's row first, so two
reports deciding the hold at once, or a release racing a report, run one after the other on
PostgreSQL (SQLite's writers do anyway): the second sees the first's outcome and counts from the
release it made. The hold, its audit entry,
the owner's mail and, when the hold leaves the product without stock, the alert commit together.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import audit
from app.core.db import changed_rows, write_transaction
from app.core.models import Product
from delivery.notifications.tell import tell
from feedback.complaints import batch_count
from feedback.owner_mail import holds_of, owe_hold_mail
from keystore.models import Batch, Code
from keystore.stock import available_count


def check_batch(session: Session, batch_id: int) -> bool:
    """Its own transaction, after a report was decided or confirmed: True when the batch went on hold."""
    with write_transaction(session):
        return hold_batch_if_bad(session, batch_id)


def hold_batch_if_bad(session: Session, batch_id: int) -> bool:
    """Inside a write transaction. True when this call put the batch on hold (once per crossing)."""
    batch = lock_batch(session, batch_id)
    if batch is None or batch.on_hold:
        return False
    count = batch_count(session, batch_id)
    if not count.at_threshold():
        return False
    if not changed_rows(
        session, update(Batch).where(Batch.id == batch_id, Batch.on_hold.is_(False)).values(on_hold=True)
    ):
        return False
    held = changed_rows(
        session, update(Code).where(Code.batch_id == batch_id, Code.status == "available").values(status="quarantined")
    )
    audit(
        session,
        "system",
        "keystore.batch.quarantined",
        f"batch:{batch_id}",
        reason=f"{count.reporters} buyer(s) reported codes of {count.delivered} delivered, "
        f"threshold {batch.complaint_threshold_pct}%",
        detail=f"{held} unsold code(s) quarantined",
    )
    owe_hold_mail(session, batch_id)
    _alert_if_sold_out(session, batch)
    return True


def lock_batch(session: Session, batch_id: int) -> Batch | None:
    """The batch's row, locked until commit and read fresh (a decision that waited sees the last)."""
    return session.scalar(
        select(Batch).where(Batch.id == batch_id).with_for_update().execution_options(populate_existing=True)
    )


def _alert_if_sold_out(session: Session, batch: Batch) -> None:
    """The hold took the product's last codes off sale: the owner hears at once, not at the next order."""
    if available_count(session, batch.product_id):
        return
    product = session.scalar(select(Product.name).where(Product.id == batch.product_id))
    tell(session, "stock.held_out", f"{batch.id}:{holds_of(session, batch.id)}", product=product, batch=batch.name)
