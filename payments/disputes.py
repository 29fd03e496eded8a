"""Disputes (chargebacks): the core keeps one row per provider's dispute, whatever the provider
repeats, and moves it only by conditional updates. Their evidence goes out in
payments.dispute_submission."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.audit import audit
from app.core.db import changed_rows, insert_unless_present
from app.core.models import Order
from app.core.money import amount_text
from payments.base import DisputeNotice, PaymentEvent
from payments.models import Dispute

OPEN = ("open", "submitting", "submitted", "failed")  # not decided yet: shown to staff
SYSTEM = "system"


def note_dispute(session: Session, provider: str, order_id: int, event: PaymentEvent) -> str:
    """In the inbox's transaction: a dispute opened (once, however often told) or decided."""
    notice = event.dispute
    if notice is None:
        return event.kind
    if event.kind == "dispute_closed":
        return _decide(session, provider, order_id, event, notice)
    opened = insert_unless_present(session, Dispute, **_new_row(provider, order_id, event, notice))
    if opened:
        _log(session, provider, notice.reference, "shop.dispute.opened", _what(event, notice))
    return "disputed" if opened else "dispute_known"


def _new_row(provider: str, order_id: int, event: PaymentEvent, notice: DisputeNotice) -> dict:
    return {
        "provider": provider,
        "reference": notice.reference,
        "order_id": order_id,
        "amount_minor": event.amount_minor,
        "currency": event.currency,
        "reason": notice.reason[:64],
        "due_by": notice.due_by,
    }


def _decide(session: Session, provider: str, order_id: int, event: PaymentEvent, notice: DisputeNotice) -> str:
    """Won or lost: from any state not decided yet. A decision told before its opening opens it too."""
    if not notice.outcome:
        return "ignored"
    insert_unless_present(session, Dispute, **_new_row(provider, order_id, event, notice))
    moved = changed_rows(
        session,
        update(Dispute)
        .where(Dispute.provider == provider, Dispute.reference == notice.reference, Dispute.state.in_(OPEN))
        .values(state=notice.outcome, sending_at=None),
    )
    if moved:
        _log(session, provider, notice.reference, f"shop.dispute.{notice.outcome}", _what(event, notice))
    return f"dispute_{notice.outcome}" if moved else "ignored"


def _what(event: PaymentEvent, notice: DisputeNotice) -> str:
    return f"{amount_text(event.amount_minor, event.currency)} {notice.reason}".strip()


def _log(session: Session, provider: str, reference: str, action: str, detail: str) -> None:
    """Audited; the order's own log has the provider's event already (payments.inbox)."""
    dispute_id = session.scalar(select(Dispute.id).where(Dispute.provider == provider, Dispute.reference == reference))
    audit(session, SYSTEM, action, f"dispute:{dispute_id}", detail=f"{provider} {reference}: {detail}")


def awaiting_evidence(session: Session) -> list[tuple[Dispute, str]]:
    """Disputes whose evidence is not sent (open, or failed), with their order's number; the one due
    soonest first, those without a date last."""
    rows = session.execute(
        select(Dispute, Order.number)
        .join(Order, Order.id == Dispute.order_id)
        .where(Dispute.state.in_(("open", "failed")))
        .order_by(Dispute.due_by.is_(None), Dispute.due_by)
    )
    return [(dispute, number) for dispute, number in rows]


def recent_disputes(session: Session, limit: int = 200) -> list[tuple[Dispute, str]]:
    rows = session.execute(
        select(Dispute, Order.number).join(Order, Order.id == Dispute.order_id).order_by(Dispute.id.desc()).limit(limit)
    )
    return [(dispute, number) for dispute, number in rows]


def disputes_of(session: Session, order_id: int) -> list[Dispute]:
    return list(session.scalars(select(Dispute).where(Dispute.order_id == order_id).order_by(Dispute.id)))


def due_soon(dispute: Dispute, now: datetime, hours: int = 72) -> bool:
    return dispute.due_by is not None and (dispute.due_by - now).total_seconds() < hours * 3600
