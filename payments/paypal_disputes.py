"""PayPal's disputes: its dispute webhooks read into events, and evidence in its provide-evidence shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from app.core.money import to_minor
from payments.base import (
    DisputeEvidence,
    DisputeNotice,
    EventKind,
    PaymentEvent,
    dispute_reason,
    disputed_amount,
    required_text,
)

DISPUTE_EVENTS: dict[str, EventKind] = {
    "CUSTOMER.DISPUTE.CREATED": "disputed",
    "CUSTOMER.DISPUTE.RESOLVED": "dispute_closed",
}
OUTCOMES: dict[str, Literal["won", "lost"]] = {"RESOLVED_SELLER_FAVOUR": "won", "RESOLVED_BUYER_FAVOUR": "lost"}
NOTES_MOST = 2000


def dispute_event(kind: EventKind, dispute: dict, livemode: bool) -> PaymentEvent:
    """Named by the dispute and its step, so a webhook delivered twice is one event; the order is
    found by our custom id, or else by the capture (the payment's reference)."""
    reference = required_text(dispute["dispute_id"])
    amount = dispute["dispute_amount"]
    [transaction, *_] = dispute.get("disputed_transactions") or [{}]
    return PaymentEvent(
        f"dispute:{reference}:{kind}",
        kind,
        transaction.get("custom", ""),
        disputed_amount(to_minor(amount["value"], amount["currency_code"])),
        amount["currency_code"],
        transaction.get("seller_transaction_id", ""),
        livemode,
        dispute=DisputeNotice(
            reference,
            reason=dispute_reason(dispute.get("reason")),
            due_by=_moment(dispute["seller_response_due_date"]) if dispute.get("seller_response_due_date") else None,
            outcome=OUTCOMES.get((dispute.get("dispute_outcome") or {}).get("outcome_code", ""), ""),
        ),
    )


def paypal_evidences(evidence: DisputeEvidence) -> list[dict]:
    """PayPal's evidence types; its notes hold at most 2000 characters each."""
    parts = [
        ("PROOF_OF_FULFILLMENT", f"{evidence.product_description}\n{evidence.delivery_log}"),
        ("PROOF_OF_FULFILLMENT", evidence.access_activity_log),
        ("OTHER", evidence.customer_communication),
        ("OTHER", evidence.terms_disclosure),
    ]
    return [{"evidence_type": kind, "notes": _shortened(notes, NOTES_MOST)} for kind, notes in parts if notes.strip()]


def _shortened(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _moment(text: object) -> datetime:
    """PayPal's date-time (2026-12-13T22:57:43.000Z) as our naive UTC."""
    if not isinstance(text, str):
        raise ValueError("expected a date-time")
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)
