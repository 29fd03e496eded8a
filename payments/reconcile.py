"""Reconciliation: unpaid checkouts are asked about on a schedule, and what the provider says enters
through the webhook inbox, under the event id its webhook would carry where that can be derived, so
whichever of the two comes second is a duplicate.

A callback blocked by a CDN, a wrong notify URL or a gateway that gave up retrying then costs a
delay, never a sale. The schedule (payments.check_schedule) and the bookkeeping of each check's
rounds (payments.check_rounds) are apart; this module asks and records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.models import Order
from payments.base import (
    InvalidPayload,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
    ProviderRefused,
    ProviderUnavailable,
)
from payments.check_rounds import Check, finish_round, load_check, note_failure, stop_check
from payments.inbox import record_events
from payments.models import PaymentCheck
from payments.resume import PAYABLE

SETTLED = ("paid", "failed")  # what the inbox is told; "pending" changes nothing


@dataclass
class CheckOutcome:
    order_id: int
    number: str
    provider: str
    state: str  # paid | pending | failed | unreachable | refused | over | answered
    detail: str = ""
    paid_order_ids: list[int] = field(default_factory=list)  # to fulfil after commit: recovered orders
    problems: list[str] = field(default_factory=list)


def check_payment(
    session: Session, providers: dict[str, PaymentProvider], check_id: int, scheduled_round: int | None = None
) -> CheckOutcome | None:
    """Ask the provider about one checkout and record what it says. `scheduled_round`: the round of
    the schedule a sweep took (a round already answered is not asked again, and a check whose order
    is no longer unpaid ends); None: staff asked, whatever the schedule and the order's state. None
    when there is no such check."""
    check = load_check(session, check_id)
    if check is None:
        return None
    outcome = CheckOutcome(check.order_id, check.number, check.provider, "pending")
    provider = providers.get(check.provider)
    skipped = _not_to_ask(check, scheduled_round, provider)
    if skipped:
        outcome.state, outcome.detail = skipped
        if outcome.state != "answered":
            stop_check(session, check, outcome.state, outcome.detail)
        return outcome
    assert provider is not None  # _not_to_ask said so
    return _ask(session, provider, check, outcome, scheduled_round is not None)


def _not_to_ask(check: Check, scheduled_round: int | None, provider: PaymentProvider | None) -> tuple[str, str] | None:
    """(state, why) when the provider is not to be asked; None when it is."""
    if scheduled_round is not None and check.rounds != scheduled_round:
        return "answered", "this round's job ran already"
    if scheduled_round is not None and check.order_status not in PAYABLE:
        return "over", f"the order is {check.order_status}"
    if provider is None:
        return "refused", f"{check.provider} is not configured"
    return None


def _ask(
    session: Session, provider: PaymentProvider, check: Check, outcome: CheckOutcome, scheduled: bool
) -> CheckOutcome:
    """Network trouble is retried (with a backoff); an answer that is refused or unreadable is not:
    asking again changes nothing, staff see why on the order."""
    try:
        status = _status(provider, check)
    except ProviderUnavailable as exc:
        note_failure(session, check, str(exc), scheduled)
        outcome.state, outcome.detail = "unreachable", str(exc)
        return outcome
    except (ProviderRefused, InvalidPayload) as exc:
        stop_check(session, check, "refused", str(exc))
        outcome.state, outcome.detail = "refused", str(exc)
        return outcome
    if status.state in SETTLED:
        event = _event(check, status, provider.livemode)
        result = record_events(session, provider.name, [event], provider.livemode, reconciled=True)
        outcome.paid_order_ids, outcome.problems = result.paid_order_ids, result.problems
    finish_round(session, check, status.state, scheduled)
    outcome.state = status.state
    return outcome


def _status(provider: PaymentProvider, check: Check) -> PaymentStatus:
    status = provider.fetch_status(check.reference)
    if status is None:
        raise ProviderRefused(f"{provider.name} cannot be asked about a payment")
    if status.order_number != check.number:
        raise InvalidPayload(f"{provider.name} names order {status.order_number[:40]!r}, not {check.number}")
    return status


def _event(check: Check, status: PaymentStatus, livemode: bool) -> PaymentEvent:
    """Asked with our own credentials, the answer is in our mode."""
    return PaymentEvent(
        event_id=status.event_id or f"{check.reference}:{status.state}",
        kind="paid" if status.state == "paid" else "failed",
        order_number=check.number,
        amount_minor=status.amount_minor,
        currency=status.currency,
        provider_reference=status.provider_reference,
        livemode=livemode,
    )


def checks_of(session: Session, number: str) -> list[int]:
    """The checkouts of one order that can be asked about, oldest first."""
    return list(
        session.scalars(
            select(PaymentCheck.id)
            .join(Order, Order.id == PaymentCheck.order_id)
            .where(Order.number == number)
            .order_by(PaymentCheck.id)
        )
    )
