"""Reconciliation's jobs: the sweep enqueues each due check (by id, after the commit that took its
round), the job asks the provider (payments.reconcile), and an order it finds paid goes on to
fulfilment like any other; `/metrics` counts it as recovered."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import Actor, audit
from app.core.db import write_transaction
from app.core.extensions import db
from app.core.models import Order
from delivery.metrics import count_recovered
from delivery.queues import enqueue, enqueue_fulfilment
from payments.check_rounds import take_due
from payments.reconcile import CheckOutcome, check_payment, checks_of

QUEUE = "aftersale"  # provider calls, like refunds: never in the way of deliveries


def sweep_reconciliation(session: Session) -> int:
    """Enqueue the checks due now; how many. A check whose job is lost is due again after its lease."""
    session.rollback()  # the sweeps before it read; taking rounds starts a write transaction of its own
    taken = take_due(session)
    return sum(enqueue(QUEUE, "delivery.reconciliation.reconcile_payment", *check) for check in taken)


def reconcile_payment(check_id: int, scheduled_round: int) -> str:
    """One round of one check's schedule; safe twice (a round is asked once, the inbox records once)."""
    outcome = check_payment(db.session, current_app.extensions["keyshop.providers"], check_id, scheduled_round)
    if outcome is None:
        return "gone"
    carry_on(outcome)
    return outcome.state


def check_order_now(session: Session, actor: Actor, number: str) -> list[CheckOutcome] | None:
    """Staff's "check with the provider now": every checkout of the order, whatever the schedule;
    None when there is no such order."""
    if session.scalar(select(Order.id).where(Order.number == number)) is None:
        session.rollback()
        return None
    check_ids = checks_of(session, number)
    session.rollback()
    outcomes = [check_payment(session, current_app.extensions["keyshop.providers"], i) for i in check_ids]
    found = [outcome for outcome in outcomes if outcome is not None]
    with write_transaction(session):
        told = "; ".join(f"{o.provider}: {o.state}" for o in found) or "nothing to ask"
        audit(session, actor.email, "payments.reconciliation.checked", f"order:{number}", detail=told)
    for outcome in found:
        carry_on(outcome)
    return found


def carry_on(outcome: CheckOutcome) -> None:
    """After the inbox's commit: deliver what was found paid, and count it."""
    enqueue_fulfilment(outcome.paid_order_ids)
    if outcome.paid_order_ids:
        count_recovered(current_app.extensions["keyshop.redis"], outcome.provider, len(outcome.paid_order_ids))
