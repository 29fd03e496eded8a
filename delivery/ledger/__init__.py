"""The shop's books, checked: every invariant of codes, orders, payments, refunds and imports.

`keyshop check` prints what is broken; the periodic sweeper runs the same check and alarms staff
(delivery.ledger.alarm). Each check reads the database only and returns one human line per breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.db import utcnow


@dataclass(frozen=True)
class Breach:
    invariant: str  # the check's name, e.g. "code_sold_twice"
    detail: str  # what is wrong, naming orders by number and codes by id, never by content


def check_ledger(session: Session, instance, now: datetime | None = None) -> list[Breach]:
    """Every breach of every invariant, at `now` (deadlines are measured from it)."""
    from delivery.ledger.checks import CHECKS

    now = now or utcnow()
    try:
        return [Breach(name, line) for name, check in CHECKS.items() for line in check(session, now, instance)]
    finally:
        session.rollback()


def invariant_names() -> list[str]:
    from delivery.ledger.checks import CHECKS

    return list(CHECKS)
