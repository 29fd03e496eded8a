"""An evidence file written out as the text parts a provider takes (payments.base.DisputeEvidence).

In English whatever the staff's language: it is read by the card network and the buyer's bank. Each
part is capped so the whole stays inside Stripe's 150,000 characters."""

from __future__ import annotations

from datetime import datetime

from app.core.money import amount_text
from feedback.disputes.evidence import EvidenceFile
from payments.base import DisputeEvidence

PART_MOST = 20_000


def written_evidence(found: EvidenceFile, shop_name: str) -> DisputeEvidence:
    order = found.order
    return DisputeEvidence(
        customer_email=order.email,
        product_description=_capped(
            f"{order.quantity} x {order.product.name}: digital code(s) delivered online by {shop_name}. "
            f"Order {order.number} of {_when(order.created_at)}, {amount_text(order.amount_minor, order.currency)}."
        ),
        service_date=order.delivered_at.strftime("%Y-%m-%d") if order.delivered_at else "",
        access_activity_log=_capped(_reveals(found)),
        delivery_log=_capped(_delivery(found)),
        customer_communication=_capped(_conversation(found)),
        terms_disclosure=_capped(_terms(found)),
    )


def _reveals(found: EvidenceFile) -> str:
    if not found.reveals:
        return ""
    lines = [
        f"{_when(r.revealed_at)} from {r.address}, browser {r.user_agent!r}: {r.codes_shown} code(s) shown first"
        for r in found.reveals
    ]
    return "The buyer opened the order page and pressed 'show codes':\n" + "\n".join(lines)


def _delivery(found: EvidenceFile) -> str:
    timeline = [f"{_when(e.at)} {e.what} {e.detail}".rstrip() for e in found.timeline]
    mails = [
        f"{_when(m.created_at)} mail '{m.kind}' to the buyer: {m.status}"
        + (f", sent {_when(m.sent_at)}" if m.sent_at else "")
        for m in found.mails
    ]
    return "Order timeline (UTC):\n" + "\n".join(timeline) + "\n\nMail to the buyer:\n" + ("\n".join(mails) or "none")


def _conversation(found: EvidenceFile) -> str:
    said = [f"{_when(m.at)} {m.conversation} {m.author_kind}: {m.body}" for m in found.messages]
    return "Support conversation with the buyer:\n" + "\n".join(said) if said else ""


def _terms(found: EvidenceFile) -> str:
    terms = found.terms
    if terms is None:
        return ""
    when = _when(terms.accepted_at) if terms.accepted_at else "checkout"
    head = (
        f"The buyer accepted the shop's terms by ordering on {when} (the buy form links them next to its "
        f"button). Terms version sha256:{terms.digest}."
    )
    return head + ("\n\n" + terms.text if terms.text else " The terms have been revised since.")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _capped(text: str) -> str:
    return text if len(text) <= PART_MOST else text[: PART_MOST - 1] + "…"
