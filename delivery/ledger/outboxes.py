"""The outboxes' part of the ledger: nothing waits past its deadline unseen (refunds, imports) and no
plaintext upload outlives its import. Same shape as delivery.ledger.checks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from delivery.import_check import leftover_uploads, stuck_imports
from payments.outstanding import refunds_to_see


def refund_stuck(session: Session, now: datetime, instance) -> list[str]:
    """Requested past the deadline: its job is lost and the sweeper has not sent it again. (A failed
    refund is not a breach: it is visible to staff, who retry it or settle it by hand.)"""
    return [refund.line() for refund in refunds_to_see(session, now) if refund.status == "requested"]


def import_stuck(session: Session, now: datetime, instance) -> list[str]:
    return stuck_imports(session, now)


def upload_left_on_disk(session: Session, now: datetime, instance) -> list[str]:
    return leftover_uploads(Path(instance), session)
