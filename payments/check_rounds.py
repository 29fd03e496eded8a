"""Reconciliation's schedule and the bookkeeping of each check's rounds, by conditional updates.

A check is asked about 1, 5, 15 and 60 minutes after its checkout, then hourly, until its deadline:
the checkout's expiry plus a grace period for payments the provider confirms late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.db import changed_rows, utcnow, write_transaction
from app.core.models import Order, log_order
from payments.models import PaymentCheck

SCHEDULE = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60))  # then hourly
HOURLY = timedelta(hours=1)
EXPIRES_AFTER = timedelta(hours=24)  # a Stripe Checkout Session's lifetime, the longest of the providers'
GRACE = timedelta(hours=12)  # a BTCPay invoice paid after it expired, a gateway that confirms late
LEASE = timedelta(minutes=5)  # a round taken whose job was lost (Redis emptied) is due again after this
BACKOFF_MAX = timedelta(hours=1)
TABLE = PaymentCheck.__table__


@dataclass(frozen=True)
class Check:
    id: int
    order_id: int
    number: str
    order_status: str
    provider: str
    reference: str
    started_at: datetime
    rounds: int
    failures: int


def due_at(started_at: datetime, rounds: int, now: datetime) -> datetime | None:
    """When the round after `rounds` answers is due (never in the past); None past the deadline."""
    late = max(0, rounds - len(SCHEDULE) + 1)
    at = max(started_at + SCHEDULE[min(rounds, len(SCHEDULE) - 1)] + HOURLY * late, now + SCHEDULE[0])
    return at if at <= started_at + EXPIRES_AFTER + GRACE else None


def remember_checkout(session: Session, provider: str, number: str, reference: str) -> None:
    """After the provider gave the checkout its reference. A checkout started again (the buyer came
    back to pay) starts its schedule again: the buyer is paying now."""
    now = utcnow()
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(TABLE)
    statement = insert.values(
        order_id=select(Order.id).where(Order.number == number).scalar_subquery(),
        provider=provider,
        reference=reference[:200],
        started_at=now,
        next_check_at=now + SCHEDULE[0],
        **{"rounds": 0, "failures": 0, "last_state": "", "last_error": ""},
    )
    again = {name: insert.excluded[name] for name in ("started_at", "next_check_at", "rounds", "failures")}
    with write_transaction(session, one_statement=True):
        session.execute(statement.on_conflict_do_update(index_elements=["provider", "reference"], set_=again))


def take_due(session: Session, limit: int = 100) -> list[tuple[int, int]]:
    """Due checks, each taken for one round by moving it a lease forward; (id, round) of each, to
    enqueue after commit. Taken conditionally (still due), so of two sweeps only one takes a round."""
    now = utcnow()
    due = select(TABLE.c.id).where(TABLE.c.next_check_at <= now).order_by(TABLE.c.next_check_at).limit(limit)
    with write_transaction(session):
        taken = session.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(due), TABLE.c.next_check_at <= now)
            .values(next_check_at=now + LEASE)
            .returning(TABLE.c.id, TABLE.c.rounds)
        )
        return [(check_id, rounds) for check_id, rounds in taken]


def load_check(session: Session, check_id: int) -> Check | None:
    row = session.execute(
        select(
            TABLE.c.id,
            TABLE.c.order_id,
            Order.number,
            Order.status,
            TABLE.c.provider,
            TABLE.c.reference,
            TABLE.c.started_at,
            TABLE.c.rounds,
            TABLE.c.failures,
        )
        .join(Order, Order.id == TABLE.c.order_id)
        .where(TABLE.c.id == check_id)
    ).first()
    session.rollback()  # end the read: the provider is asked outside any transaction
    return Check(*row) if row else None


def stop_check(session: Session, check: Check, state: str, reason: str) -> None:
    """No more rounds: the order was settled, or asking again would change nothing."""
    with write_transaction(session):
        _note(session, check, state, reason, next_check_at=None)
        if state == "refused":
            log_order(session, check.order_id, "shop.payment.check_stopped", f"{check.provider}: {reason[:300]}")


def note_failure(session: Session, check: Check, reason: str, scheduled: bool) -> None:
    """The provider could not be reached: a scheduled round is tried again after a backoff."""
    now = utcnow()
    backoff = min(SCHEDULE[0] * 2**check.failures, BACKOFF_MAX)
    deadline = check.started_at + EXPIRES_AFTER + GRACE
    with write_transaction(session):
        if not scheduled:
            _note(session, check, "unreachable", reason)
            return
        again = now + backoff if now + backoff <= deadline else None
        _note(session, check, "unreachable", reason, next_check_at=again, failures=TABLE.c.failures + 1)


def finish_round(session: Session, check: Check, state: str, scheduled: bool) -> bool:
    """The provider answered `state`. A scheduled round moves the check on once, however often its
    job runs (conditional on the rounds it saw); a known payment ends the check."""
    done = state == "paid"
    with write_transaction(session):
        if not scheduled:
            return _note(session, check, state, "", **({"next_check_at": None} if done else {}))
        rounds = check.rounds + 1
        after = None if done else due_at(check.started_at, rounds, utcnow())
        return _note(
            session, check, state, "", TABLE.c.rounds == check.rounds, rounds=rounds, failures=0, next_check_at=after
        )


def _note(
    session: Session, check: Check, state: str, error: str, *where: ColumnElement[bool], **values: object
) -> bool:
    """What the provider said, and the schedule's next step in `values`, when `where` still holds."""
    return bool(
        changed_rows(
            session,
            update(TABLE)
            .where(TABLE.c.id == check.id, *where)
            .values(last_state=state, last_error=error[:2000], checked_at=utcnow(), **values),
        )
    )
